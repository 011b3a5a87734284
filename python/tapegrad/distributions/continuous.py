"""Univariate continuous distributions: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy
(all with rsample: gradients reach the parameters), GeneralizedPareto, and VonMises on the
circle (sample only)."""
import math

from .. import _C
from .._type_info import finfo
from ..autograd import no_grad as _no_grad
from . import constraints
from .distribution import LOG_SQRT_2PI, Distribution, broadcast_all, check


class _LocScale(Distribution):
    """A location-scale family: loc any real, scale > 0; loc is also its mode."""
    has_rsample = True
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        if self._validate_args:
            check("scale", self.scale > 0, "GreaterThan(lower_bound=0.0)", self.scale, type(self).__name__)

    @property
    def mode(self):
        return self.loc


class Normal(_LocScale):

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return self.loc + _C.randn(tuple(shape), dtype=self.loc.dtype, device=self.loc.device) * self.scale

    def log_prob(self, value):
        value = self._value(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() - LOG_SQRT_2PI

    def cdf(self, value):
        return 0.5 * (1 + _C.erf((self._value(value) - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value):
        return self.loc + self.scale * _C.erfinv(2 * self._probability(value) - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + LOG_SQRT_2PI + self.scale.log()

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return self.scale ** 2

    @property
    def stddev(self):
        return self.scale

    def __repr__(self):
        return f"Normal(loc: {self.loc}, scale: {self.scale})"


class LogNormal(Distribution):
    """exp(X) for X ~ Normal(loc, scale)."""
    has_rsample = True
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive

    def __init__(self, loc, scale, validate_args=None):
        self.base = Normal(loc, scale, validate_args)
        self.loc, self.scale = self.base.loc, self.base.scale
        super().__init__(self.loc.shape, (), validate_args)

    def rsample(self, sample_shape=()):
        return self.base.rsample(sample_shape).exp()

    def log_prob(self, value):
        value = self._value(value)
        return self.base.log_prob(value.log()) - value.log()

    def entropy(self):
        return self.base.entropy() + self.loc

    @property
    def mean(self):
        return (self.loc + self.scale ** 2 / 2).exp()

    @property
    def mode(self):
        return (self.loc - self.scale ** 2).exp()

    @property
    def variance(self):
        s2 = self.scale ** 2
        return s2.expm1() * (2 * self.loc + s2).exp()


class Uniform(Distribution):
    """Uniform on [low, high)."""
    has_rsample = True
    arg_constraints = {"low": constraints.dependent(is_discrete=False, event_dim=0),
                       "high": constraints.dependent(is_discrete=False, event_dim=0)}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, (), validate_args)
        if self._validate_args:
            check("low", self.low < self.high, "LessThan(high)", self.low, "Uniform")

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _C.rand(tuple(shape), dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = self._value(value)
        inside = (self.low <= value).logical_and(value < self.high).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value):
        return ((self._value(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        return self.low + self._probability(value) * (self.high - self.low)

    def entropy(self):
        return (self.high - self.low).log()

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12


class Exponential(Distribution):
    has_rsample = True
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, rate, validate_args=None):
        self.rate, = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args)
        if self._validate_args:
            check("rate", self.rate > 0, "GreaterThan(lower_bound=0.0)", self.rate, "Exponential")

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return _C.empty(tuple(shape), dtype=self.rate.dtype, device=self.rate.device).exponential_() / self.rate

    def log_prob(self, value):
        return self.rate.log() - self.rate * self._value(value)

    def cdf(self, value):
        return 1 - (-self.rate * self._value(value)).exp()

    def icdf(self, value):
        return -(-self._probability(value)).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return _C.zeros_like(self.rate)

    @property
    def variance(self):
        return self.rate.pow(-2)


class Laplace(_LocScale):

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = finfo(self.loc.dtype).eps
        u = _C.rand(tuple(shape), dtype=self.loc.dtype, device=self.loc.device) * (2 - eps) - (1 - eps)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        return -(2 * self.scale).log() - (self._value(value) - self.loc).abs() / self.scale

    def cdf(self, value):
        z = self._value(value) - self.loc
        return 0.5 - 0.5 * z.sign() * (-z.abs() / self.scale).expm1()

    def icdf(self, value):
        term = self._probability(value) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self):
        return 1 + (2 * self.scale).log()

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale ** 2


class Cauchy(_LocScale):

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = _C.rand(tuple(shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + self.scale * (math.pi * (u - 0.5)).tan()

    def log_prob(self, value):
        z = (self._value(value) - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z ** 2).log1p()

    def cdf(self, value):
        return ((self._value(value) - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return self.loc + self.scale * (math.pi * (self._probability(value) - 0.5)).tan()

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()

    @property
    def mean(self):
        return _C.full(tuple(self._batch_shape), math.nan, dtype=self.loc.dtype)

    @property
    def variance(self):
        return _C.full(tuple(self._batch_shape), math.inf, dtype=self.loc.dtype)


class VonMises(Distribution):
    """Angles (radians, any real read modulo 2 pi) around loc, tighter as concentration grows;
    samples lie in [-pi, pi). Mean, mode and variance are the circular ones."""
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args)
        if self._validate_args:
            check("concentration", self.concentration > 0, "GreaterThan(lower_bound=0.0)", self.concentration,
                  "VonMises")

    def _log_i0(self):
        return _C.special.i0e(self.concentration).log() + self.concentration

    def log_prob(self, value):
        return self.concentration * (self._value(value) - self.loc).cos() - math.log(2 * math.pi) - self._log_i0()

    def sample(self, sample_shape=()):
        # Best and Fisher's wrapped-Cauchy envelope (Applied Statistics 28, 1979), vectorised: every
        # element draws until it is accepted. In float64: in float32 the envelope's parameter
        # loses its digits for small concentrations and the loop stalls.
        with _no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            kappa = self.concentration.detach().double().expand(shape)
            tau = 1 + (1 + 4 * kappa ** 2).sqrt()
            rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
            r = _C.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))
            theta = _C.zeros(shape, dtype=_C.float64, device=kappa.device)
            pending = _C.ones(shape, dtype=_C.bool, device=kappa.device)
            while bool(pending.any()):
                u1, u2, u3 = (_C.rand(shape, dtype=_C.float64, device=kappa.device) for _ in range(3))
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                accept = (c * (2 - c) - u2 > 0).logical_or((c / u2).log() + 1 - c >= 0)
                angle = (u3 - 0.5).sign() * f.clamp(-1, 1).acos()
                take = pending.logical_and(accept)
                theta = _C.where(take, angle, theta)
                pending = pending.logical_and(accept.logical_not())
            loc = self.loc.detach().double()
            return ((theta + loc + math.pi).remainder(2 * math.pi) - math.pi).to(self.loc.dtype)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 1 - _C.special.i1e(self.concentration) / _C.special.i0e(self.concentration)


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution of exceedances over loc: scale > 0 and a shape
    (concentration) of any sign: exponential at 0, heavy-tailed above, bounded by
    loc - scale / concentration below. Sampled by its inverse cdf (rsample)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.shape, (), validate_args)
        if self._validate_args:
            check("scale", self.scale > 0, "GreaterThan(lower_bound=0.0)", self.scale, "GeneralizedPareto")

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = _C.where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)

    def _c(self):
        """The shape where it is not 0 (1 there), and where it is."""
        zero = self.concentration == 0
        return _C.where(zero, 1.0, self.concentration), zero

    def log_prob(self, value):
        z = (self._value(value) - self.loc) / self.scale
        c, zero = self._c()
        return -self.scale.log() - _C.where(zero, z, (1 + 1 / c) * (c * z).log1p())

    def cdf(self, value):
        z = (self._value(value) - self.loc) / self.scale
        c, zero = self._c()
        return 1 - _C.where(zero, (-z).exp(), (-(c * z).log1p() / c).exp())

    def icdf(self, value):
        log_q = (-self._probability(value)).log1p()  # log(1 - p)
        c, zero = self._c()
        return self.loc + self.scale * _C.where(zero, -log_q, (-c * log_q).expm1() / c)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        u = _C.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def entropy(self):
        return self.scale.log() + self.concentration + 1

    @property
    def mean(self):
        c = self.concentration
        return _C.where(c < 1, self.loc + self.scale / (1 - c), math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        c = self.concentration
        return _C.where(c < 0.5, self.scale ** 2 / ((1 - c) ** 2 * (1 - 2 * c)), math.nan)
