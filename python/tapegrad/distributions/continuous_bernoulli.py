"""ContinuousBernoulli (Loaiza-Ganem and Cunningham, 2019): a density on [0, 1] proportional to
lambda^x (1 - lambda)^(1 - x), for data in [0, 1] (pixel intensities) where Bernoulli's
likelihood is not normalised. Near lambda = 1/2 the closed forms divide 0 by 0, so there
(within `lims`) they are Taylor series in lambda - 1/2."""
import math

from .. import _C
from .._type_info import finfo
from ..nn import functional as _F
from . import constraints
from .discrete import _probs_or_logits
from .distribution import Distribution


class ContinuousBernoulli(Distribution):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        self.probs, self.logits = _probs_or_logits("ContinuousBernoulli", probs, logits, True)
        eps = finfo(self.probs.dtype).eps
        self.probs = self.probs.clamp(eps, 1 - eps)
        self._lims = lims
        super().__init__(self.probs.shape, (), validate_args)

    def _outside(self):
        return (self.probs <= self._lims[0]).logical_or(self.probs > self._lims[1])

    def _safe(self):
        """probs, with those inside the limits moved to the lower limit (for the closed forms)."""
        return _C.where(self._outside(), self.probs, self._lims[0])

    def _log_normalizer(self):
        # log C = log(2 atanh(1 - 2p) / (1 - 2p)); log 2 + 4/3 d^2 + 104/45 d^4 near p = 1/2.
        p = self._safe()
        closed = (2 * (1 - 2 * p).atanh()).abs().log() - (1 - 2 * p).abs().log()
        d = self.probs - 0.5
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * d * d) * d * d
        return _C.where(self._outside(), closed, taylor)

    def log_prob(self, value):
        value = self._value(value)
        logits, value = _C.broadcast_tensors(self.logits, value.to(self.logits.dtype))
        return -_F.binary_cross_entropy_with_logits(logits, value, reduction="none") + self._log_normalizer()

    @property
    def mean(self):
        p = self._safe()
        closed = p / (2 * p - 1) + 1 / (2 * (1 - 2 * p).atanh())
        d = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * d * d) * d
        return _C.where(self._outside(), closed, taylor)

    @property
    def variance(self):
        p = self._safe()
        closed = p * (p - 1) / (1 - 2 * p) ** 2 + 1 / (2 * (1 - 2 * p).atanh()) ** 2
        d2 = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * d2) * d2
        return _C.where(self._outside(), closed, taylor)

    @property
    def mode(self):
        return (self.probs >= 0.5).to(self.probs.dtype)

    def cdf(self, value):
        value = self._value(value)
        p = self._safe()
        closed = (p.pow(value) * (1 - p).pow(1 - value) + p - 1) / (2 * p - 1)
        inside = _C.where(self._outside(), closed, value)
        return _C.where(value <= 0, 0.0, _C.where(value >= 1, 1.0, inside))

    def icdf(self, value):
        value = self._probability(value)
        p = self._safe()
        closed = ((value * (2 * p - 1) + 1 - p).log() - (1 - p).log()) / (p.log() - (1 - p).log())
        return _C.where(self._outside(), closed, value)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        u = _C.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def entropy(self):
        log0, log1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log0 - log1) - self._log_normalizer() - log0
