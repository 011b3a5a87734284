"""Discrete distributions: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical,
Poisson. Those of probabilities take probs or logits (exactly one), as in PyTorch."""
from .. import _C
from .._type_info import finfo
from ..nn import functional as _F
from .distribution import Distribution, broadcast_all, check


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
    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        p, lg = _probs_or_logits("Binomial", probs, logits, True)
        self.total_count, self.probs, self.logits = broadcast_all(total_count, p, lg)
        super().__init__(self.probs.shape, (), validate_args)
        if self._validate_args:
            check("total_count", self.total_count >= 0, "IntegerGreaterThan(lower_bound=0)", self.total_count,
                  "Binomial")

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


class Poisson(Distribution):
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
