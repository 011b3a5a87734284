"""tg.distributions (torch.distributions): parameterised distributions with sample, rsample
(reparameterised, differentiable), log_prob, entropy, cdf and moments, and kl_divergence.

Continuous: Normal, LogNormal, Uniform, Exponential, Laplace, Cauchy, VonMises, ContinuousBernoulli,
GeneralizedPareto, MultivariateNormal, LowRankMultivariateNormal, and the transformed families
Gumbel, HalfNormal, HalfCauchy, Weibull, Pareto, Kumaraswamy, LogisticNormal, InverseGamma,
RelaxedBernoulli, RelaxedOneHotCategorical. Gamma, Chi2, Beta, Dirichlet, StudentT and
FisherSnedecor have rsample too (implicit reparameterisation).
Over matrices: Wishart (with rsample) and LKJCholesky (matrix.py).
Discrete: Bernoulli, Geometric, Binomial, Categorical, OneHotCategorical (and its
straight-through form), Poisson, Multinomial, NegativeBinomial.
Independent turns batch dims into event dims; MixtureSameFamily mixes the components of one
batched distribution; TransformedDistribution pushes one through transforms (transforms.py), and
biject_to / transform_to map the reals onto a constraint (constraints.py). ExponentialFamily is
the base for families given by natural parameters; utils has torch's helpers, and torch's
per-family module paths (tg.distributions.normal, ...) are aliases."""
from . import constraints, transforms, utils
from .constraint_registry import biject_to, transform_to
from .continuous import Cauchy, Exponential, GeneralizedPareto, Laplace, LogNormal, Normal, Uniform, VonMises
from .continuous_bernoulli import ContinuousBernoulli
from .discrete import (Bernoulli, Binomial, Categorical, Geometric, Multinomial, NegativeBinomial, OneHotCategorical,
                       OneHotCategoricalStraightThrough, Poisson)
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .gamma_family import Beta, Chi2, Dirichlet, FisherSnedecor, Gamma, StudentT
from .kl import kl_divergence, register_kl
from .matrix import LKJCholesky, Wishart
from .mixture import MixtureSameFamily
from .multivariate import Independent, LowRankMultivariateNormal, MultivariateNormal
from .relaxed import ExpRelaxedCategorical, LogitRelaxedBernoulli, RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import (Gumbel, HalfCauchy, HalfNormal, InverseGamma, Kumaraswamy, LogisticNormal, Pareto,
                          TransformedDistribution, Weibull)
from .transforms import *  # noqa: F401,F403

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "ContinuousBernoulli", "Dirichlet",
           "Distribution", "ExpRelaxedCategorical", "Exponential", "ExponentialFamily", "FisherSnedecor", "Gamma",
           "GeneralizedPareto", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Independent", "InverseGamma",
           "Kumaraswamy", "LKJCholesky", "Laplace", "LogNormal", "LogisticNormal", "LogitRelaxedBernoulli",
           "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial", "MultivariateNormal", "NegativeBinomial",
           "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Pareto", "Poisson", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution", "Uniform", "VonMises", "Weibull",
           "Wishart", "biject_to", "constraints", "kl_divergence", "register_kl", "transform_to",
           "transforms"] + transforms.__all__

# torch.distributions keeps one module per family (`from torch.distributions.normal import
# Normal`); here families share files, so those module paths are aliases made at import.
_FAMILY_MODULES = {
    "bernoulli": ["Bernoulli"], "beta": ["Beta"], "binomial": ["Binomial"], "categorical": ["Categorical"],
    "cauchy": ["Cauchy"], "chi2": ["Chi2"], "dirichlet": ["Dirichlet"], "exponential": ["Exponential"],
    "fishersnedecor": ["FisherSnedecor"], "gamma": ["Gamma"], "generalized_pareto": ["GeneralizedPareto"],
    "geometric": ["Geometric"], "gumbel": ["Gumbel"], "half_cauchy": ["HalfCauchy"], "half_normal": ["HalfNormal"],
    "independent": ["Independent"], "inverse_gamma": ["InverseGamma"], "kumaraswamy": ["Kumaraswamy"],
    "laplace": ["Laplace"], "lkj_cholesky": ["LKJCholesky"], "log_normal": ["LogNormal"],
    "logistic_normal": ["LogisticNormal"], "lowrank_multivariate_normal": ["LowRankMultivariateNormal"],
    "mixture_same_family": ["MixtureSameFamily"], "multinomial": ["Multinomial"],
    "multivariate_normal": ["MultivariateNormal"], "negative_binomial": ["NegativeBinomial"], "normal": ["Normal"],
    "one_hot_categorical": ["OneHotCategorical", "OneHotCategoricalStraightThrough"], "pareto": ["Pareto"],
    "poisson": ["Poisson"], "relaxed_bernoulli": ["LogitRelaxedBernoulli", "RelaxedBernoulli"],
    "relaxed_categorical": ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"], "studentT": ["StudentT"],
    "transformed_distribution": ["TransformedDistribution"], "uniform": ["Uniform"], "von_mises": ["VonMises"],
    "weibull": ["Weibull"], "wishart": ["Wishart"],
}


def _alias_family_modules():
    import sys
    import types
    for name, classes in _FAMILY_MODULES.items():
        module = types.ModuleType(f"{__name__}.{name}", f"torch.distributions.{name}: {', '.join(classes)}")
        for cls in classes:
            setattr(module, cls, globals()[cls])
        module.__all__ = classes
        sys.modules[module.__name__] = module
        globals()[name] = module


_alias_family_modules()
