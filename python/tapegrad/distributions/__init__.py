"""tg.distributions (torch.distributions): parameterised distributions with sample, rsample
(reparameterised, differentiable), log_prob, entropy, cdf and moments, and kl_divergence.

Continuous: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy, VonMises, ContinuousBernoulli,
GeneralizedPareto,
MultivariateNormal, LowRankMultivariateNormal, and the transformed families Gumbel, HalfNormal,
HalfCauchy, Weibull, Pareto, Kumaraswamy, LogisticNormal, InverseGamma, RelaxedBernoulli,
RelaxedOneHotCategorical. Gamma, Chi2, Beta, Dirichlet, StudentT and FisherSnedecor have rsample
too (implicit reparameterisation).
Discrete: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical (and its
straight-through form), Poisson, Multinomial, NegativeBinomial. Independent turns batch dims into event dims; MixtureSameFamily mixes the
components of one batched distribution; TransformedDistribution pushes one through transforms
(transforms.py), and biject_to / transform_to map the reals onto a constraint (constraints.py)."""
from . import constraints, transforms
from .constraint_registry import biject_to, transform_to
from .continuous import Cauchy, Exponential, GeneralizedPareto, Laplace, LogNormal, Normal, Uniform, VonMises
from .continuous_bernoulli import ContinuousBernoulli
from .discrete import (Bernoulli, Binomial, Categorical, Geometric, Multinomial, NegativeBinomial, OneHotCategorical,
                       OneHotCategoricalStraightThrough, Poisson)
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, FisherSnedecor, Gamma, StudentT
from .kl import kl_divergence, register_kl
from .mixture import MixtureSameFamily
from .multivariate import Independent, LowRankMultivariateNormal, MultivariateNormal
from .relaxed import ExpRelaxedCategorical, LogitRelaxedBernoulli, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import (Gumbel, HalfCauchy, HalfNormal, InverseGamma, Kumaraswamy, LogisticNormal, Pareto,
                          TransformedDistribution, Weibull)
from .transforms import *  # noqa: F401,F403

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "ContinuousBernoulli", "Dirichlet",
           "Distribution",
           "ExpRelaxedCategorical", "Exponential", "FisherSnedecor", "Gamma", "GeneralizedPareto", "Geometric", "Gumbel",
           "HalfCauchy",
           "HalfNormal", "Independent", "InverseGamma", "Kumaraswamy", "Laplace", "LogNormal", "LogisticNormal",
           "LogitRelaxedBernoulli", "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial",
           "MultivariateNormal", "NegativeBinomial", "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough",
           "Pareto", "Poisson", "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution",
           "Uniform", "VonMises", "Weibull", "biject_to", "constraints", "kl_divergence",
           "register_kl", "transform_to", "transforms"] + transforms.__all__
