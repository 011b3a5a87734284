"""ExponentialFamily (torch.distributions.exp_family): the base for distributions with density
exp(<t(x), theta> - F(theta) + k(x)); a subclass that defines its natural parameters theta and
log normalizer F gets entropy, and KL divergence to another of its own kind, from F's gradient
(the Bregman divergence of F)."""
from ..autograd import enable_grad, grad
from .distribution import Distribution
from .transforms import _sum_rightmost

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    @property
    def _natural_params(self):
        """The natural parameters theta, a tuple of tensors."""
        raise NotImplementedError(f"{type(self).__name__}._natural_params")

    def _log_normalizer(self, *natural_params):
        """F(theta), of the batch shape."""
        raise NotImplementedError(f"{type(self).__name__}._log_normalizer")

    @property
    def _mean_carrier_measure(self):
        """E[k(x)]."""
        raise NotImplementedError(f"{type(self).__name__}._mean_carrier_measure")

    def _normalizer_and_gradients(self):
        """(theta as fresh leaves, F(theta), dF/dtheta recorded): E[t(x)] is dF/dtheta."""
        with enable_grad():
            params = [p.detach().requires_grad_() for p in self._natural_params]
            normalizer = self._log_normalizer(*params)
            gradients = grad(normalizer.sum(), params, create_graph=True)
        return params, normalizer, gradients

    def entropy(self):
        """F(theta) - <theta, dF/dtheta> - E[k(x)]."""
        params, normalizer, gradients = self._normalizer_and_gradients()
        result = normalizer - self._mean_carrier_measure
        for theta, g in zip(params, gradients):
            result = result - _sum_rightmost(theta * g, len(self.event_shape))
        return result
