"""tg.distributions (torch.distributions): parameterised distributions with sample, rsample
(reparameterised, differentiable), log_prob, entropy, cdf and moments, and kl_divergence.

Continuous: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy, MultivariateNormal, and
the transformed families Gumbel, HalfNormal, HalfCauchy, Weibull, Pareto, Kumaraswamy,
LogisticNormal, RelaxedBernoulli, RelaxedOneHotCategorical.
Gamma, Chi2, Beta, Dirichlet and StudentT have rsample too (implicit reparameterisation).
Discrete: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical, Poisson, Multinomial,
NegativeBinomial. Independent turns batch dims into event dims; MixtureSameFamily mixes the
components of one batched distribution; TransformedDistribution pushes one through transforms
(transforms.py), and biject_to / transform_to map the reals onto a constraint (constraints.py)."""
from . import constraints, transforms
from .constraint_registry import biject_to, transform_to
from .continuous import Cauchy, Exponential, Laplace, LogNormal, Normal, Uniform
from .discrete import (Bernoulli, Binomial, Categorical, Geometric, Multinomial, NegativeBinomial, OneHotCategorical,
                       Poisson)
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, Gamma, StudentT
from .kl import kl_divergence, register_kl
from .mixture import MixtureSameFamily
from .multivariate import Independent, MultivariateNormal
from .relaxed import ExpRelaxedCategorical, LogitRelaxedBernoulli, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import (Gumbel, HalfCauchy, HalfNormal, Kumaraswamy, LogisticNormal, Pareto,
                          TransformedDistribution, Weibull)
from .transforms import *  # noqa: F401,F403

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution",
           "ExpRelaxedCategorical", "Exponential", "Gamma", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal",
           "Independent", "Kumaraswamy", "Laplace", "LogNormal", "LogisticNormal", "LogitRelaxedBernoulli",
           "MixtureSameFamily", "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal",
           "OneHotCategorical", "Pareto", "Poisson", "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT",
           "TransformedDistribution", "Uniform", "Weibull", "biject_to", "constraints", "kl_divergence",
           "register_kl", "transform_to", "transforms"] + transforms.__all__
