"""kl_divergence(p, q) for the pairs PyTorch computes in closed form; register_kl adds others."""
import math

from .. import _C
from ..nn import functional as _F
from .continuous import Cauchy, Exponential, Laplace, Normal, Uniform
from .discrete import Bernoulli, Binomial, Categorical, Geometric, OneHotCategorical, Poisson
from .exp_family import ExponentialFamily
from .gamma_family import Beta, Dirichlet, Gamma
from .multivariate import Independent, MultivariateNormal
from .transformed import Gumbel, HalfNormal, Pareto, TransformedDistribution
from .transforms import _sum_rightmost

_KL = {}


def register_kl(type_p, type_q):
    """Decorator: fn(p, q) computes KL(p || q) for p of type_p and q of type_q."""
    def add(fn):
        _KL[type_p, type_q] = fn
        return fn

    return add


def kl_divergence(p, q):
    for tp in type(p).__mro__:
        for tq in type(q).__mro__:
            if (tp, tq) in _KL:
                return _KL[tp, tq](p, q)
    raise NotImplementedError(f"kl_divergence: no formula for {type(p).__name__} and {type(q).__name__} "
                              "(register one with register_kl)")


@register_kl(ExponentialFamily, ExponentialFamily)
def _expfamily_expfamily(p, q):
    """The Bregman divergence of the log normalizer F: F(theta_q) - F(theta_p) - <theta_q - theta_p, dF/dtheta_p>."""
    if type(p) is not type(q):
        raise NotImplementedError("kl_divergence: the KL divergence between two different exponential families "
                                  f"({type(p).__name__} and {type(q).__name__}) has no Bregman form")
    params, normalizer, gradients = p._normalizer_and_gradients()
    q_params = q._natural_params
    result = q._log_normalizer(*q_params) - normalizer
    for theta_p, theta_q, g in zip(params, q_params, gradients):
        result = result - _sum_rightmost((theta_q - theta_p) * g, len(q.event_shape))
    return result


@register_kl(Normal, Normal)
def _normal_normal(p, q):
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _bernoulli_bernoulli(p, q):
    sp = _F.softplus
    t1 = p.probs * (sp(-q.logits) - sp(-p.logits))
    t2 = (1 - p.probs) * (sp(q.logits) - sp(p.logits))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = _C.where(q.probs == 0, _C.full_like(t, math.inf), t)
    t = _C.where(p.probs == 0, _C.zeros_like(t), t)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _onehot_onehot(p, q):
    return _categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low).logical_or(q.high < p.high)
    return _C.where(outside, _C.full_like(result, math.inf), result)


@register_kl(Exponential, Exponential)
def _exponential_exponential(p, q):
    ratio = q.rate / p.rate
    return ratio - 1 - ratio.log()


@register_kl(Laplace, Laplace)
def _laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * (-loc_abs_diff / p.scale).exp()
    return t1 + t2 + t3 - 1


@register_kl(Poisson, Poisson)
def _poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(MultivariateNormal, MultivariateNormal)
def _mvn_mvn(p, q):
    n = p.event_shape[0]
    half_term1 = q._half_log_det() - p._half_log_det()
    lq = q.scale_tril.expand(tuple(p.scale_tril.shape))
    term2 = _C.linalg.solve_triangular(lq, p.scale_tril, upper=False).pow(2).sum((-2, -1))
    diff = (q.loc - p.loc).unsqueeze(-1)
    term3 = _C.linalg.solve_triangular(lq, diff, upper=False).pow(2).sum((-2, -1))
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Independent, Independent)
def _independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("kl_divergence: Independent distributions of different event dims")
    return p._sum(kl_divergence(p.base_dist, q.base_dist))


@register_kl(Gamma, Gamma)
def _gamma_gamma(p, q):
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = q.concentration.lgamma() - p.concentration.lgamma()
    t3 = (p.concentration - q.concentration) * p.concentration.digamma()
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    t1 = a2.lgamma() + b2.lgamma() + (a1 + b1).lgamma()
    t2 = a1.lgamma() + b1.lgamma() + (a2 + b2).lgamma()
    t3 = (a1 - a2) * a1.digamma()
    t4 = (b1 - b2) * b1.digamma()
    t5 = (a2 + b2 - a1 - b1) * (a1 + b1).digamma()
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _dirichlet_dirichlet(p, q):
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = sum_p.lgamma() - sum_q.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(TransformedDistribution, TransformedDistribution)
def _transformed_transformed(p, q):
    # The KL divergence is invariant under the same one-to-one map of both.
    if p.transforms != q.transforms or tuple(p.event_shape) != tuple(q.event_shape):
        raise NotImplementedError("kl_divergence: TransformedDistributions with different transforms")
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _halfnormal_halfnormal(p, q):
    return _normal_normal(p.base_dist, q.base_dist)


@register_kl(Gumbel, Gumbel)
def _gumbel_gumbel(p, q):
    ct1, ct2, ct3 = p.scale / q.scale, q.loc / q.scale, p.loc / q.scale
    euler = 0.57721566490153286061
    return -ct1.log() - ct2 + ct3 + ct1 * euler + (ct2 + (1 + ct1).lgamma() - ct3).exp() - (1 + euler)


@register_kl(Pareto, Pareto)
def _pareto_pareto(p, q):
    scale_ratio, alpha_ratio = p.scale / q.scale, q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    return _C.where(p.scale < q.scale, math.inf, result)


@register_kl(Binomial, Binomial)
def _binomial_binomial(p, q):
    # Infinite where p can count past q's total; no closed form where q's total is the larger.
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("kl_divergence: Binomials where p's total_count is below q's")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return _C.where(p.total_count > q.total_count, math.inf, kl)


@register_kl(Geometric, Geometric)
def _geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Cauchy, Cauchy)
def _cauchy_cauchy(p, q):
    return (((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2) / (4 * p.scale * q.scale)).log()
