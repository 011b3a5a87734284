"""tg.distributions (torch.distributions): parameterised distributions with sample, rsample
(reparameterised, differentiable), log_prob, entropy, cdf and moments, and kl_divergence.

Continuous: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy, MultivariateNormal.
Gamma, Chi2, Beta and Dirichlet sample and score but have no rsample.
Discrete: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical, Poisson.
Independent turns batch dims into event dims."""
from .continuous import Cauchy, Exponential, Laplace, LogNormal, Normal, Uniform
from .discrete import Bernoulli, Binomial, Categorical, Geometric, OneHotCategorical, Poisson
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, Gamma
from .kl import kl_divergence, register_kl
from .multivariate import Independent, MultivariateNormal

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution",
           "Exponential", "Gamma", "Geometric",
           "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson",
           "Uniform", "kl_divergence", "register_kl"]
