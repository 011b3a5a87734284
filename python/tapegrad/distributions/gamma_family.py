"""Gamma, Chi2, Beta, Dirichlet, StudentT and FisherSnedecor, all drawn from Gamma(alpha, 1) samples (Marsaglia
and Tsang's method, vectorised). rsample differentiates a draw x with respect to alpha
implicitly (Figurnov et al., 2018): x moves with alpha so that its quantile P(alpha, x) stays
put, dx/dalpha = -(dP/dalpha) / p(x), with dP/dalpha a central difference of the regularised
incomplete gamma function (of its complement above the mean) in float64."""
import math

from .. import _C
from .._type_info import finfo
from ..autograd import Function, no_grad
from . import constraints
from .distribution import Distribution, broadcast_all, check


def standard_gamma(alpha):
    """Gamma(alpha, 1) draws of alpha's shape (not differentiable)."""
    with no_grad():
        alpha = alpha.detach()
        boost = alpha < 1  # Gamma(a) = Gamma(a + 1) * U^(1/a)
        a = _C.where(boost, alpha + 1, alpha)
        d = a - 1.0 / 3.0
        c = (9 * d).rsqrt()
        out = _C.zeros_like(a)
        pending = _C.ones_like(a, dtype=_C.bool)
        while bool(pending.any()):
            x = _C.randn_like(a)
            v = (1 + c * x) ** 3
            u = _C.rand_like(a)
            positive = v > 0
            safe_v = _C.where(positive, v, _C.ones_like(v))
            ok = positive.logical_and(u.log() < 0.5 * x * x + d - d * safe_v + d * safe_v.log())
            take = pending.logical_and(ok)
            out = _C.where(take, d * safe_v, out)
            pending = pending.logical_and(ok.logical_not())
        out = _C.where(boost, out * _C.rand_like(a).pow(1 / alpha), out)
        return out.clamp(min=finfo(out.dtype).tiny)


def _standard_gamma_grad(alpha, x):
    """d x / d alpha of Gamma(alpha, 1) draws x, holding their quantile fixed (0 where it is not
    finite: draws clamped at the smallest normal number)."""
    with no_grad():
        a, v = alpha.double(), x.double()
        h = 1e-4 * a  # a relative step: P changes fast in alpha for small alpha
        # Above the mean P is near 1: the difference of its complement Q keeps the digits. Each
        # element takes one of the two (the incomplete gamma function costs ~80 ns a value).
        below = v < a
        dp = _C.empty_like(v)
        al, vl, hl = a[below], v[below], h[below]
        dp[below] = _C.special.gammainc(al + hl, vl) - _C.special.gammainc(al - hl, vl)
        above = below.logical_not()
        au, vu, hu = a[above], v[above], h[above]
        dp[above] = _C.special.gammaincc(au - hu, vu) - _C.special.gammaincc(au + hu, vu)
        dp_da = dp / (2 * h)
        log_pdf = _C.xlogy(a - 1, v) - v - a.lgamma()
        grad = -dp_da * (-log_pdf).exp()
        return _C.where(grad.isfinite(), grad, 0.0).to(x.dtype)


class _StandardGamma(Function):
    @staticmethod
    def forward(ctx, alpha):
        x = standard_gamma(alpha)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        return grad * _standard_gamma_grad(alpha, x)

    @staticmethod
    def jvp(ctx, alpha_tangent):
        alpha, x = ctx.saved_tensors
        return alpha_tangent * _standard_gamma_grad(alpha, x)


def rstandard_gamma(alpha):
    """Gamma(alpha, 1) draws of alpha's shape, differentiable in alpha."""
    return _StandardGamma.apply(alpha)


class _GammaBased(Distribution):
    has_rsample = True


class Gamma(_GammaBased):
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.rate.shape, (), validate_args)
        if self._validate_args:
            check("concentration", self.concentration > 0, "GreaterThan(lower_bound=0.0)", self.concentration,
                  type(self).__name__)
            check("rate", self.rate > 0, "GreaterThan(lower_bound=0.0)", self.rate, type(self).__name__)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        x = rstandard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return x.clamp(min=finfo(x.dtype).tiny)

    def log_prob(self, value):
        value = self._value(value)
        a, r = self.concentration, self.rate
        return _C.xlogy(a, r) + _C.xlogy(a - 1, value) - r * value - a.lgamma()

    def cdf(self, value):
        return _C.special.gammainc(self.concentration, self.rate * self._value(value))

    def entropy(self):
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1 - a) * a.digamma()

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2


class Chi2(Gamma):
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        df, = broadcast_all(df)
        super().__init__(df / 2, _C.full_like(df, 0.5), validate_args)

    @property
    def df(self):
        return self.concentration * 2


class Beta(_GammaBased):
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(self.concentration1.shape, (), validate_args)
        if self._validate_args:
            for name in ("concentration1", "concentration0"):
                check(name, getattr(self, name) > 0, "GreaterThan(lower_bound=0.0)", getattr(self, name), "Beta")

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        x = rstandard_gamma(self.concentration1.expand(shape))
        y = rstandard_gamma(self.concentration0.expand(shape))
        return x / (x + y)

    def _log_beta(self):
        a, b = self.concentration1, self.concentration0
        return a.lgamma() + b.lgamma() - (a + b).lgamma()

    def log_prob(self, value):
        value = self._value(value)
        a, b = self.concentration1, self.concentration0
        return _C.xlogy(a - 1, value) + _C.xlog1py(b - 1, -value) - self._log_beta()

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        return self._log_beta() - (a - 1) * a.digamma() - (b - 1) * b.digamma() + (a + b - 2) * (a + b).digamma()

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return (self.concentration1 - 1) / (self.concentration1 + self.concentration0 - 2)

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))


class Dirichlet(_GammaBased):
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        if not isinstance(concentration, _C.Tensor) or concentration.dim() < 1:
            raise ValueError("Dirichlet: concentration must be a tensor of at least one dim")
        self.concentration = concentration if concentration.dtype.is_floating_point else concentration.float()
        super().__init__(self.concentration.shape[:-1], self.concentration.shape[-1:], validate_args)
        if self._validate_args:
            check("concentration", self.concentration > 0, "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)",
                  self.concentration, "Dirichlet")

    def rsample(self, sample_shape=()):
        g = rstandard_gamma(self.concentration.expand(tuple(self._extended_shape(sample_shape))))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value):
        value = self._value(value)
        c = self.concentration
        return _C.xlogy(c - 1, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    def entropy(self):
        c = self.concentration
        k, a0 = c.shape[-1], c.sum(-1)
        return c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma() - ((c - 1) * c.digamma()).sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        c = self.concentration
        return (c - 1).clamp(min=0) / (c - 1).clamp(min=0).sum(-1, keepdim=True)

    @property
    def variance(self):
        c = self.concentration
        a0 = c.sum(-1, keepdim=True)
        return c * (a0 - c) / (a0 ** 2 * (a0 + 1))


class StudentT(_GammaBased):
    """loc + scale * T, T of Student's t with df degrees of freedom (a normal over the root of a
    chi-square draw divided by df)."""
    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(self.df.shape, (), validate_args)
        if self._validate_args:
            for name in ("df", "scale"):
                check(name, getattr(self, name) > 0, "GreaterThan(lower_bound=0.0)", getattr(self, name), "StudentT")

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        x = _C.randn(shape, dtype=self.df.dtype, device=self.df.device)
        z = 2 * rstandard_gamma(self.df.expand(shape) / 2)  # a chi-square draw with df degrees
        return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value):
        y = (self._value(value) - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + (0.5 * self.df).lgamma()
             - (0.5 * (self.df + 1)).lgamma())
        return -0.5 * (self.df + 1) * (y.pow(2) / self.df).log1p() - z

    def entropy(self):
        lbeta = (0.5 * self.df).lgamma() + math.lgamma(0.5) - (0.5 * (self.df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (self.df + 1) * ((0.5 * (self.df + 1)).digamma() - (0.5 * self.df).digamma())
                + 0.5 * self.df.log() + lbeta)

    @property
    def mean(self):
        return _C.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df
        finite = self.scale.pow(2) * df / (df - 2).clamp(min=finfo(df.dtype).tiny)
        return _C.where(df > 2, finite, _C.where(df > 1, math.inf, math.nan))


class FisherSnedecor(_GammaBased):
    """The ratio of two chi-square draws, each over its degrees of freedom (df1, df2)."""
    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = broadcast_all(df1, df2)
        super().__init__(self.df1.shape, (), validate_args)
        if self._validate_args:
            for name in ("df1", "df2"):
                check(name, getattr(self, name) > 0, "GreaterThan(lower_bound=0.0)", getattr(self, name),
                      "FisherSnedecor")

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        x1 = rstandard_gamma(self.df1.expand(shape) / 2) / (self.df1 / 2)
        x2 = rstandard_gamma(self.df2.expand(shape) / 2) / (self.df2 / 2)
        tiny = finfo(x1.dtype).tiny
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value):
        value = self._value(value)
        a, b = self.df1 / 2, self.df2 / 2
        ratio = self.df1 / self.df2
        norm = (a + b).lgamma() - a.lgamma() - b.lgamma()
        return norm + a * ratio.log() + _C.xlogy(a - 1, value) - (a + b) * (ratio * value).log1p()

    @property
    def mean(self):
        d2 = self.df2
        return _C.where(d2 > 2, d2 / (d2 - 2), math.nan)

    @property
    def mode(self):
        d1, d2 = self.df1, self.df2
        return _C.where(d1 > 2, (d1 - 2) / d1 * d2 / (d2 + 2), math.nan)

    @property
    def variance(self):
        d1, d2 = self.df1, self.df2
        return _C.where(d2 > 4, 2 * d2 ** 2 * (d1 + d2 - 2) / (d1 * (d2 - 2) ** 2 * (d2 - 4)), math.nan)
