"""tg.distributions (torch.distributions): parameterised distributions with sample, rsample
(reparameterised, differentiable), log_prob, entropy, cdf and moments, and kl_divergence.

Continuous: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy, MultivariateNormal.
Discrete: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical, Poisson.
Independent turns batch dims into event dims."""
from .continuous import Cauchy, Exponential, Laplace, LogNormal, Normal, Uniform
from .discrete import Bernoulli, Binomial, Categorical, Geometric, OneHotCategorical, Poisson
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .multivariate import Independent, MultivariateNormal

__all__ = ["Bernoulli", "Binomial", "Categorical", "Cauchy", "Distribution", "Exponential", "Geometric",
           "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson",
           "Uniform", "kl_divergence", "register_kl"]
