"""MixtureSameFamily: a Categorical choice among the components of one batched distribution."""
from ..autograd import no_grad
from . import constraints
from .discrete import Categorical
from .distribution import Distribution


class MixtureSameFamily(Distribution):
    """mixture_distribution (a Categorical over k) picks one of the k components along the last
    batch dim of component_distribution; log_prob is the log of the weighted sum of densities."""
    arg_constraints = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("MixtureSameFamily: mixture_distribution must be a Categorical, got "
                             f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("MixtureSameFamily: component_distribution must be a Distribution, got "
                             f"{type(component_distribution).__name__}")
        mix_batch, comp_batch = tuple(mixture_distribution.batch_shape), tuple(component_distribution.batch_shape)
        if not comp_batch:
            raise ValueError("MixtureSameFamily: component_distribution needs a batch dim (the components)")
        k = mixture_distribution.logits.shape[-1]
        if comp_batch[-1] != k:
            raise ValueError(f"MixtureSameFamily: mixture_distribution has {k} components but the last batch dim "
                             f"of component_distribution has {comp_batch[-1]}")
        batch = comp_batch[:-1]
        if len(mix_batch) > len(batch) or any(m not in (1, c) for m, c in zip(mix_batch[::-1], batch[::-1])):
            raise ValueError(f"MixtureSameFamily: the mixture's batch shape {mix_batch} does not broadcast with "
                             f"the components' {batch}")
        self._mixture_distribution, self._component_distribution = mixture_distribution, component_distribution
        self._num_component = k
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(batch, component_distribution.event_shape, validate_args)

    @constraints.dependent_property
    def support(self):
        return self._component_distribution.support

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    def _pad(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x):
        # probs [B', k] as [B, k, 1...] against the components' [B, k, event...]
        for _ in range(len(self.batch_shape) - (x.dim() - 1)):
            x = x.unsqueeze(0)
        for _ in range(self._event_ndims):
            x = x.unsqueeze(-1)
        return x

    @property
    def mean(self):
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        # The law of total variance.
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        mean = self._component_distribution.mean
        mean_cond_var = (probs * self._component_distribution.variance).sum(-1 - self._event_ndims)
        var_cond_mean = (probs * (mean - self._pad(self.mean)).pow(2)).sum(-1 - self._event_ndims)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        x = self._pad(self._value(x))
        cdf_x = self._component_distribution.cdf(x)
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        x = self._pad(self._value(x))
        log_prob_x = self._component_distribution.log_prob(x)  # [S, B, k]
        log_mix_prob = self._mixture_distribution.logits.log_softmax(-1)  # [B, k]
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        sample_shape = tuple(sample_shape)
        with no_grad():
            mix_sample = self._mixture_distribution.sample(sample_shape)  # [S, B'] indices
            comp_samples = self._component_distribution.sample(sample_shape)  # [S, B, k, E]
            batch = tuple(self.batch_shape)
            mix_sample = mix_sample.expand(sample_shape + batch)
            index = mix_sample.reshape(sample_shape + batch + (1,) + (1,) * self._event_ndims)
            index = index.expand(sample_shape + batch + (1,) + tuple(self.event_shape))
            return comp_samples.gather(len(sample_shape) + len(batch), index).squeeze(len(sample_shape) + len(batch))

    def __repr__(self):
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  {self._component_distribution!r})")
