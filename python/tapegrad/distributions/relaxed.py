"""The concrete (Gumbel-softmax) relaxations of Bernoulli and OneHotCategorical at a temperature:
continuous stand-ins for discrete draws, with rsample, so that gradients pass through samples.
LogitRelaxedBernoulli and ExpRelaxedCategorical are their logit and log-space forms."""
from .. import _C
from ..nn import functional as _F
from . import constraints
from .discrete import _probs_or_logits
from .distribution import Distribution, broadcast_all
from .transformed import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform
from .utils import clamp_probs


class LogitRelaxedBernoulli(Distribution):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        p, lg = _probs_or_logits("LogitRelaxedBernoulli", probs, logits, True)
        self.temperature, self.probs, self.logits = broadcast_all(temperature, p, lg)
        super().__init__(self.logits.shape, (), validate_args)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        u = clamp_probs(_C.rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        return (u.log() - (-u).log1p() + self.logits) / self.temperature

    def log_prob(self, value):
        diff = self.logits - self._value(value) * self.temperature
        return self.temperature.log() + diff - 2 * _F.softplus(diff)


class _RelaxedParameters:
    """The base distribution's parameters, as the relaxed distributions' own."""

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs


class RelaxedBernoulli(_RelaxedParameters, TransformedDistribution):
    """sigmoid of LogitRelaxedBernoulli: values in (0, 1) that approach Bernoulli draws as the
    temperature goes to 0."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        super().__init__(LogitRelaxedBernoulli(temperature, probs, logits, validate_args), SigmoidTransform(),
                         validate_args)


class ExpRelaxedCategorical(Distribution):
    """Log-probability vectors of the concrete distribution (RelaxedOneHotCategorical's log)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.probs, self.logits = _probs_or_logits("ExpRelaxedCategorical", probs, logits, False)
        if self.probs.dim() < 1:
            raise ValueError("ExpRelaxedCategorical: probs or logits need at least one dim (the categories)")
        self.temperature = temperature if isinstance(temperature, _C.Tensor) else _C.tensor(
            float(temperature), dtype=self.logits.dtype)
        super().__init__(self.logits.shape[:-1], self.logits.shape[-1:], validate_args)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        u = clamp_probs(_C.rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -((-(u.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value):
        k = self.logits.shape[-1]
        log_scale = _C.full_like(self.temperature, float(k)).lgamma() + (k - 1) * self.temperature.log()
        score = self.logits - self._value(value) * self.temperature
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_RelaxedParameters, TransformedDistribution):
    """exp of ExpRelaxedCategorical: points of the simplex that approach one-hot draws as the
    temperature goes to 0 (the Gumbel-softmax distribution)."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        super().__init__(ExpRelaxedCategorical(temperature, probs, logits, validate_args), ExpTransform(),
                         validate_args)
