"""The Distribution base (torch.distributions.Distribution): shapes, sampling, argument checks."""
import math

from .. import _C
from .._size import Size
from ..autograd import no_grad
from . import constraints


def broadcast_all(*values):
    """Numbers and tensors as tensors of one shape; numbers take the tensors' dtype (the
    default dtype when all are numbers)."""
    tensors = [v for v in values if isinstance(v, _C.Tensor)]
    dtype = tensors[0].dtype if tensors else _C.get_default_dtype()
    for t in tensors[1:]:
        dtype = _C.promote_types(dtype, t.dtype)
    if not dtype.is_floating_point:
        dtype = _C.get_default_dtype()
    as_tensors = [(v if isinstance(v, _C.Tensor) else _C.tensor(float(v))).to(dtype) for v in values]
    return tuple(_C.broadcast_tensors(*as_tensors)) if len(as_tensors) > 1 else (as_tensors[0],)


def check(name, ok, what, value, owner):
    """ValueError naming the distribution, the parameter and the constraint it breaks."""
    if not bool(ok.all()):
        raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                         f"distribution {owner} to satisfy the constraint {what}, but found invalid values:\n{value}")


class Distribution:
    has_rsample = False
    has_enumerate_support = False
    arg_constraints = {}  # parameter name -> constraints.Constraint
    support = None  # the constraint values lie in

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = Size(tuple(batch_shape))
        self._event_shape = Size(tuple(event_shape))
        self._validate_args = True if validate_args is None else validate_args

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def expand(self, batch_shape, _instance=None):
        """The same distribution over a larger batch (the old batch shape broadcast to
        batch_shape): every batch-shaped parameter expanded (a view, no copy), nested
        distributions too."""
        new_batch, old = tuple(batch_shape), tuple(self._batch_shape)
        try:
            ok = tuple(_C.broadcast_shapes(old, new_batch)) == new_batch
        except (RuntimeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"{type(self).__name__}.expand: the batch shape {old} does not broadcast to {new_batch}")
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        for name, v in self.__dict__.items():
            if isinstance(v, _C.Tensor) and v.dim() >= len(old) and tuple(v.shape[:len(old)]) == old:
                setattr(new, name, v.expand(new_batch + tuple(v.shape[len(old):])))
            elif isinstance(v, Distribution) and tuple(v.batch_shape[:len(old)]) == old:
                setattr(new, name, v.expand(new_batch + tuple(v.batch_shape[len(old):])))
        new._batch_shape = Size(new_batch)
        return new

    def _extended_shape(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=()):
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterized sampling (rsample)")

    def sample_n(self, n):
        return self.sample((n,))

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__}.log_prob")

    def cdf(self, value):
        raise NotImplementedError(f"{type(self).__name__}.cdf")

    def icdf(self, value):
        raise NotImplementedError(f"{type(self).__name__}.icdf")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__}.entropy")

    def perplexity(self):
        return self.entropy().exp()

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__}.mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__}.mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__}.variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def _value(self, value):
        """value as a tensor, its shape checked against the batch and event shapes and, with
        validate_args, its elements against the support (a ValueError names those outside)."""
        value = self._shaped(value)
        support = self.support
        if self._validate_args and support is not None and not constraints.is_dependent(support):
            with no_grad():
                inside = support.check(value)
            if not bool(inside.all()):
                raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to "
                                 f"be within the support ({support!r}) of the distribution {self!r}, but found "
                                 f"invalid values:\n{value}")
        return value

    def _probability(self, value):
        """icdf's argument: a tensor of probabilities, its shape checked, its elements in [0, 1]
        with validate_args."""
        value = self._shaped(value)
        if self._validate_args and not bool(((value >= 0).logical_and(value <= 1)).all()):
            raise ValueError(f"{type(self).__name__}.icdf: expected probabilities in [0, 1], got {value}")
        return value

    def _shaped(self, value):
        if not isinstance(value, _C.Tensor):
            value = _C.tensor(value)
        event = len(self._event_shape)
        if event and tuple(value.shape[-event:]) != tuple(self._event_shape):
            raise ValueError(f"{type(self).__name__}: the value's shape {tuple(value.shape)} must end in the event "
                             f"shape {tuple(self._event_shape)}")
        try:
            _C.broadcast_shapes(tuple(value.shape), tuple(self._batch_shape) + tuple(self._event_shape))
        except (RuntimeError, ValueError):
            raise ValueError(f"{type(self).__name__}: a value of shape {tuple(value.shape)} does not broadcast with "
                             f"the batch shape {tuple(self._batch_shape)}") from None
        return value

    def __repr__(self):
        return f"{type(self).__name__}()"


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
