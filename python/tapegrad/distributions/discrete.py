"""Discrete distributions: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical,
Poisson, Multinomial, NegativeBinomial, OneHotCategoricalStraightThrough. Those of probabilities take probs or logits (exactly one), as in PyTorch."""
from .. import _C
from .._type_info import finfo
from ..nn import functional as _F
from . import constraints
from .distribution import Distribution, broadcast_all, check
from .gamma_family import standard_gamma


def _probs_or_logits(name, probs, logits, binary):
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: pass either probs or logits, not both and not neither")
    if probs is not None:
        p = probs if isinstance(probs, _C.Tensor) else _C.tensor(probs, dtype=_C.get_default_dtype())
        if not p.dtype.is_floating_point:
            p = p.to(_C.get_default_dtype())
        check("probs", (p >= 0).logical_and(p <= 1), "Interval(lower_bound=0.0, upper_bound=1.0)" if binary
              else "Simplex()", p, name)
        if not binary:
            p = p / p.sum(-1, keepdim=True)
        eps = finfo(p.dtype).eps
        clamped = p.clamp(eps, 1 - eps)
        return p, (clamped.log() - (-clamped).log1p()) if binary else clamped.log()
    lg = logits if isinstance(logits, _C.Tensor) else _C.tensor(logits, dtype=_C.get_default_dtype())
    if not lg.dtype.is_floating_point:
        lg = lg.to(_C.get_default_dtype())
    if binary:
        return lg.sigmoid(), lg
    lg = lg - lg.logsumexp(-1, keepdim=True)
    return lg.exp(), lg


class Bernoulli(Distribution):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    def __init__(self, probs=None, logits=None, validate_args=None):
        self.probs, self.logits = _probs_or_logits("Bernoulli", probs, logits, True)
        super().__init__(self.probs.shape, (), validate_args)

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        return _C.bernoulli(self.probs.detach().expand(shape))

    def log_prob(self, value):
        logits, value = _C.broadcast_tensors(self.logits, self._value(value).to(self.logits.dtype))
        return -_F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return _F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = _C.arange(2, dtype=self.probs.dtype).view((2,) + (1,) * len(self._batch_shape))
        return values.expand((2,) + tuple(self._batch_shape)) if expand else values

    has_enumerate_support = True

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return (self.probs >= 0.5).to(self.probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)


class Geometric(Distribution):
    """The number of failures before the first success."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self.probs, self.logits = _probs_or_logits("Geometric", probs, logits, True)
        super().__init__(self.probs.shape, (), validate_args)
        if self._validate_args:
            check("probs", self.probs > 0, "HalfOpenInterval(lower_bound=0.0, upper_bound=1.0)", self.probs,
                  "Geometric")

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        tiny = finfo(self.probs.dtype).tiny
        u = _C.rand(shape, dtype=self.probs.dtype).clamp(min=tiny)
        return (u.log() / (-self.probs.detach()).log1p()).floor()

    def log_prob(self, value):
        value = self._value(value).to(self.probs.dtype)
        probs = self.probs.clamp(max=1 - finfo(self.probs.dtype).eps)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return _F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none") / self.probs

    @property
    def mean(self):
        return 1 / self.probs - 1

    @property
    def mode(self):
        return _C.zeros_like(self.probs)

    @property
    def variance(self):
        return (1 / self.probs - 1) / self.probs


class Binomial(Distribution):
    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        p, lg = _probs_or_logits("Binomial", probs, logits, True)
        self.total_count, self.probs, self.logits = broadcast_all(total_count, p, lg)
        super().__init__(self.probs.shape, (), validate_args)
        if self._validate_args:
            check("total_count", self.total_count >= 0, "IntegerGreaterThan(lower_bound=0)", self.total_count,
                  "Binomial")

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        return _C.binomial(self.total_count.expand(shape), self.probs.detach().expand(shape))

    def log_prob(self, value):
        k = self._value(value).to(self.probs.dtype)
        n = self.total_count
        log_choose = (n + 1).lgamma() - (k + 1).lgamma() - (n - k + 1).lgamma()
        # k * logits - n * log(1 + e^logits), written to stay finite for large |logits|.
        normalizer = n * _F.softplus(self.logits)
        return log_choose + k * self.logits - normalizer

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)


class Categorical(Distribution):
    """Indices 0..K-1 with the probabilities (or unnormalised log-probabilities) along the last dim."""
    has_enumerate_support = True
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    def __init__(self, probs=None, logits=None, validate_args=None):
        self.probs, self.logits = _probs_or_logits("Categorical", probs, logits, False)
        if self.probs.dim() < 1:
            raise ValueError("Categorical: probs or logits need at least one dim (the categories)")
        self._num_events = self.probs.shape[-1]
        super().__init__(self.probs.shape[:-1], (), validate_args)

    def sample(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        n = 1
        for s in sample_shape:
            n *= s
        flat = self.probs.detach().reshape(-1, self._num_events)
        drawn = _C.multinomial(flat, n, replacement=True).t()
        return drawn.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        value = self._value(value).long().unsqueeze(-1)
        value, logits = _C.broadcast_tensors(value, self.logits)
        return logits.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        logits = self.logits.clamp(min=finfo(self.logits.dtype).min)
        return -(self.probs * logits).sum(-1)

    def enumerate_support(self, expand=True):
        values = _C.arange(self._num_events).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((self._num_events,) + tuple(self._batch_shape)) if expand else values

    @property
    def param_shape(self):
        return self.probs.shape

    @property
    def mean(self):
        return _C.full(tuple(self._batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return _C.full(tuple(self._batch_shape), float("nan"), dtype=self.probs.dtype)


class OneHotCategorical(Distribution):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits, validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        super().__init__(self._categorical.batch_shape, self.probs.shape[-1:], validate_args)

    def sample(self, sample_shape=()):
        index = self._categorical.sample(sample_shape)
        return _F.one_hot(index, self.probs.shape[-1]).to(self.probs.dtype)

    def log_prob(self, value):
        return self._categorical.log_prob(self._value(value).argmax(-1))

    def entropy(self):
        return self._categorical.entropy()

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return _F.one_hot(self.probs.argmax(-1), self.probs.shape[-1]).to(self.probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical whose rsample passes gradients straight through the draw: the one-hot
    sample in the forward pass, the probabilities' gradient in the backward pass."""
    has_rsample = True

    def rsample(self, sample_shape=()):
        samples = self.sample(sample_shape)
        return samples + (self.probs - self.probs.detach())


class Poisson(Distribution):
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    def __init__(self, rate, validate_args=None):
        self.rate, = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args)
        if self._validate_args:
            check("rate", self.rate >= 0, "GreaterThanEq(lower_bound=0.0)", self.rate, "Poisson")

    def sample(self, sample_shape=()):
        return _C.poisson(self.rate.detach().expand(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value):
        value = self._value(value).to(self.rate.dtype)
        return _C.xlogy(value, self.rate) - self.rate - (value + 1).lgamma()

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate


class Multinomial(Distribution):
    """Counts of total_count draws among the categories of probs (or logits) along the last dim."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int) or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a non-negative int, got {total_count!r}")
        self.total_count = total_count
        self._categorical = Categorical(probs, logits, validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        super().__init__(self._categorical.batch_shape, self.probs.shape[-1:], validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    def sample(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        shape = tuple(self._extended_shape(sample_shape))
        draws = self._categorical.sample((self.total_count,) + tuple(sample_shape))  # [n, S, B]
        counts = _C.zeros(shape, dtype=self.probs.dtype, device=self.probs.device)
        if self.total_count == 0:
            return counts
        ones = _C.ones(tuple(draws.shape[1:]) + (self.total_count,), dtype=self.probs.dtype, device=self.probs.device)
        return counts.scatter_add(-1, draws.movedim(0, -1), ones)

    def log_prob(self, value):
        value = self._value(value).to(self.logits.dtype)
        logits, value = _C.broadcast_tensors(self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        # 0 * -inf is 0 here: a category of probability 0 that was not drawn.
        logits = _C.where((value == 0).logical_and(logits == -float("inf")), 0.0, logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)


class NegativeBinomial(Distribution):
    """The number of successes (each of probability probs) before total_count failures."""
    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        p, lg = _probs_or_logits("NegativeBinomial", probs, logits, True)
        self.total_count, self.probs, self.logits = broadcast_all(total_count, p, lg)
        super().__init__(self.probs.shape, (), validate_args)
        if self._validate_args:
            check("total_count", self.total_count >= 0, "GreaterThanEq(lower_bound=0)", self.total_count,
                  "NegativeBinomial")

    def sample(self, sample_shape=()):
        # A Poisson draw at a Gamma(total_count, e^-logits) rate.
        shape = tuple(self._extended_shape(sample_shape))
        rate = standard_gamma(self.total_count.detach().expand(shape)) * self.logits.detach().exp()
        return _C.poisson(rate)

    def log_prob(self, value):
        value = self._value(value).to(self.logits.dtype)
        n = self.total_count
        unnormalized = n * _F.logsigmoid(-self.logits) + value * _F.logsigmoid(self.logits)
        normalization = -(n + value).lgamma() + (1 + value).lgamma() + n.lgamma()
        normalization = _C.where(n + value == 0, 0.0, normalization)
        return unnormalized - normalization

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()
