"""TransformedDistribution (a base distribution pushed through transforms) and the families
PyTorch builds from it: Gumbel, HalfNormal, HalfCauchy, Weibull, Pareto, Kumaraswamy,
LogisticNormal, InverseGamma. They sample with rsample where their base does."""
import math

from .. import _C
from .._type_info import finfo
from ..autograd import no_grad
from . import constraints
from .continuous import Cauchy, Exponential, Normal, Uniform
from .distribution import Distribution, broadcast_all, check
from .gamma_family import Gamma
from .multivariate import Independent
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         StickBreakingTransform, Transform, _sum_rightmost)

_EULER = 0.57721566490153286061


class TransformedDistribution(Distribution):
    """base_distribution's samples put through transforms (one Transform or a list, applied in
    order): log_prob by the change of variables, cdf and icdf where every transform is monotone."""

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        elif not (isinstance(transforms, (list, tuple)) and all(isinstance(t, Transform) for t in transforms)):
            raise ValueError("TransformedDistribution: transforms must be a Transform or a list of Transforms, "
                             f"got {transforms!r}")
        self.transforms = list(transforms)
        transform = ComposeTransform(self.transforms)
        base_shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        base_event_dim = len(base_distribution.event_shape)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(f"TransformedDistribution: base_distribution needs at least "
                             f"{transform.domain.event_dim} dims but has shape {base_shape}")
        shape = tuple(transform.forward_shape(base_shape))
        if tuple(transform.inverse_shape(shape)) != base_shape:
            raise ValueError(f"TransformedDistribution: the transforms' parameters broadcast the base shape "
                             f"{base_shape} to {tuple(transform.inverse_shape(shape))}; expand the base first")
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        event_dim = transform.codomain.event_dim + max(base_event_dim - transform.domain.event_dim, 0)
        cut = len(shape) - event_dim
        super().__init__(shape[:cut], shape[cut:], validate_args)
        self.has_rsample = self.base_dist.has_rsample

    arg_constraints = {}

    @constraints.dependent_property(is_discrete=False)
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape) - support.event_dim)
        return support

    def sample(self, sample_shape=()):
        with no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape=()):
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value):
        y = self._value(value)
        event_dim = len(self.event_shape)
        log_prob = 0.0
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim)
            y = x
        return log_prob + _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        sign = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value):
        value = self._value(value)
        for t in reversed(self.transforms):
            value = t.inv(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value):
        value = self.base_dist.icdf(self._monotonize_cdf(self._probability(value)))
        for t in self.transforms:
            value = t(value)
        return value

    def __repr__(self):
        return f"{type(self).__name__}()"


class Gumbel(TransformedDistribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        info = finfo(self.loc.dtype)
        base = Uniform(_C.full_like(self.loc, info.tiny), _C.full_like(self.loc, 1 - info.eps), validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -_C.ones_like(self.scale)), ExpTransform().inv,
                      AffineTransform(self.loc, -self.scale)]
        super().__init__(base, transforms, validate_args)
        if self._validate_args:
            check("scale", self.scale > 0, "GreaterThan(lower_bound=0.0)", self.scale, "Gumbel")

    def log_prob(self, value):
        z = (self._value(value) - self.loc) / self.scale
        return -(self.scale.log() + z + (-z).exp())

    @property
    def mean(self):
        return self.loc + self.scale * _EULER

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def entropy(self):
        return self.scale.log() + (1 + _EULER)


class _Folded(TransformedDistribution):
    """|X| for X of a distribution symmetric about 0 (base): twice its density on [0, inf)."""
    support = constraints.nonnegative

    def __init__(self, base, validate_args=None):
        super().__init__(base, AbsTransform(), validate_args)

    @property
    def scale(self):
        return self.base_dist.scale

    def log_prob(self, value):
        value = self._value(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return _C.where(value >= 0, lp, -math.inf)

    def cdf(self, value):
        return 2 * self.base_dist.cdf(self._value(value)) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((self._probability(prob) + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)

    @property
    def mode(self):
        return _C.zeros_like(self.scale)


class HalfNormal(_Folded):
    """|X| for X ~ Normal(0, scale)."""
    arg_constraints = {"scale": constraints.positive}

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal(0, scale, validate_args), validate_args)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """|X| for X ~ Cauchy(0, scale): no mean, no variance (both infinite)."""
    arg_constraints = {"scale": constraints.positive}

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0, scale, validate_args), validate_args)

    @property
    def mean(self):
        return _C.full(tuple(self.batch_shape), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    variance = mean


class Weibull(TransformedDistribution):
    """scale * E^(1 / concentration) for E ~ Exponential(1)."""
    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(_C.ones_like(self.scale), validate_args)
        transforms = [PowerTransform(self.concentration_reciprocal), AffineTransform(0, self.scale)]
        super().__init__(base, transforms, validate_args)
        if self._validate_args:
            for name in ("scale", "concentration"):
                check(name, getattr(self, name) > 0, "GreaterThan(lower_bound=0.0)", getattr(self, name), "Weibull")

    @property
    def mean(self):
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self):
        k = self.concentration
        return self.scale * ((k - 1) / k).pow(self.concentration_reciprocal).nan_to_num(0.0).clamp(min=0)

    @property
    def variance(self):
        r = self.concentration_reciprocal
        return self.scale.pow(2) * ((1 + 2 * r).lgamma().exp() - (1 + r).lgamma().exp().pow(2))

    def entropy(self):
        return _EULER * (1 - self.concentration_reciprocal) + (self.scale * self.concentration_reciprocal).log() + 1


class Pareto(TransformedDistribution):
    """scale * e^E for E ~ Exponential(alpha): support [scale, inf)."""
    arg_constraints = {"scale": constraints.positive, "alpha": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        super().__init__(Exponential(self.alpha, validate_args), [ExpTransform(), AffineTransform(0, self.scale)],
                         validate_args)
        if self._validate_args:
            check("scale", self.scale > 0, "GreaterThan(lower_bound=0.0)", self.scale, "Pareto")

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self):
        a = self.alpha.clamp(min=1)
        return _C.where(self.alpha > 1, a * self.scale / (a - 1), math.inf)

    @property
    def mode(self):
        return self.scale

    @property
    def variance(self):
        a = self.alpha.clamp(min=2)
        return _C.where(self.alpha > 2, self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2)), math.inf)

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


class Kumaraswamy(TransformedDistribution):
    """(1 - U^(1 / b))^(1 / a) for U ~ Uniform(0, 1), on (0, 1)."""
    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base = Uniform(_C.full_like(self.concentration0, 0), _C.full_like(self.concentration0, 1), validate_args)
        transforms = [PowerTransform(self.concentration0.reciprocal()), AffineTransform(1.0, -1.0),
                      PowerTransform(self.concentration1.reciprocal())]
        super().__init__(base, transforms, validate_args)
        if self._validate_args:
            for name in ("concentration1", "concentration0"):
                check(name, getattr(self, name) > 0, "GreaterThan(lower_bound=0.0)", getattr(self, name),
                      "Kumaraswamy")

    def _moment(self, n):
        a, b = self.concentration1, self.concentration0
        return b * ((1 + n / a).lgamma() + b.lgamma() - (1 + b + n / a).lgamma()).exp()

    @property
    def mean(self):
        return self._moment(1)

    @property
    def mode(self):
        # ((a - 1) / (ab - 1))^(1 / a) where a, b >= 1, not both 1; NaN elsewhere.
        a, b = self.concentration1, self.concentration0
        defined = (a >= 1).logical_and(b >= 1).logical_and((a > 1).logical_or(b > 1))
        safe_a, safe_b = _C.where(defined, a, 2.0), _C.where(defined, b, 2.0)
        return _C.where(defined, ((safe_a - 1) / (safe_a * safe_b - 1)).pow(safe_a.reciprocal()), math.nan)

    @property
    def variance(self):
        return self._moment(2) - self._moment(1).pow(2)

    def entropy(self):
        a, b = self.concentration1, self.concentration0
        t1 = 1 - a.reciprocal()
        t0 = 1 - b.reciprocal()
        h0 = (b + 1).digamma() + _EULER
        return t0 + t1 * h0 - a.log() - b.log()


class LogisticNormal(TransformedDistribution):
    """The stick-breaking image of Normal(loc, scale): vectors of K + 1 on the simplex from loc
    and scale of K."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base = Normal(loc, scale, validate_args)
        if not base.batch_shape:
            raise ValueError("LogisticNormal: loc and scale need at least one dim (the K - 1 free coordinates)")
        super().__init__(base, StickBreakingTransform(), validate_args)

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale


class InverseGamma(TransformedDistribution):
    """1 / X for X ~ Gamma(concentration, rate)."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        super().__init__(Gamma(concentration, rate, validate_args), PowerTransform(-1.0), validate_args)

    @property
    def concentration(self):
        return self.base_dist.concentration

    @property
    def rate(self):
        return self.base_dist.rate

    @property
    def mean(self):
        a = self.concentration
        return _C.where(a > 1, self.rate / (a - 1), math.inf)

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        a = self.concentration
        return _C.where(a > 2, self.rate ** 2 / ((a - 1) ** 2 * (a - 2)), math.inf)

    def entropy(self):
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()
