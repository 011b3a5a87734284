"""kl_divergence(p, q) for the pairs PyTorch computes in closed form (every one of its 87, and
the exponential families' Bregman form); register_kl adds others."""
import math

from .. import _C
from ..nn import functional as _F
from .continuous import Cauchy, Exponential, Laplace, Normal, Uniform
from .continuous_bernoulli import ContinuousBernoulli
from .discrete import Bernoulli, Binomial, Categorical, Geometric, OneHotCategorical, Poisson
from .exp_family import ExponentialFamily
from .gamma_family import Beta, Dirichlet, Gamma
from .multivariate import Independent, LowRankMultivariateNormal, MultivariateNormal
from .transformed import Gumbel, HalfNormal, Pareto, TransformedDistribution
from .transforms import _sum_rightmost

_KL = {}
_EULER = 0.57721566490153286061


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
    return -ct1.log() - ct2 + ct3 + ct1 * _EULER + (ct2 + (1 + ct1).lgamma() - ct3).exp() - (1 + _EULER)


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


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _cb_cb(p, q):
    return (p.mean * (p.logits - q.logits) + p._log_normalizer() + (-p.probs).log1p() - q._log_normalizer()
            - (-q.probs).log1p())


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
@register_kl(LowRankMultivariateNormal, MultivariateNormal)
@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _gaussian_gaussian(p, q):
    # Both through their full covariance (PyTorch uses the Woodbury identity; the value is the same).
    def full(d):
        return d if type(d) is MultivariateNormal else MultivariateNormal(d.loc, covariance_matrix=d.covariance_matrix)
    return _mvn_mvn(full(p), full(q))


# ---- across families --------------------------------------------------------------------------
# Where p's support reaches outside q's, the divergence is infinite.

def _infinite(p, q):
    shape = tuple(p.batch_shape)
    like = p.mean
    return _C.full(shape, math.inf, dtype=like.dtype, device=like.device)


for _p, _qs in ((Beta, (Pareto,)), (ContinuousBernoulli, (Pareto,)),
                (Exponential, (Beta, ContinuousBernoulli, Pareto, Uniform)),
                (Gamma, (Beta, ContinuousBernoulli, Pareto, Uniform)),
                (Gumbel, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)),
                (Laplace, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)),
                (Normal, (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform)),
                (Pareto, (Beta, ContinuousBernoulli, Uniform)), (Poisson, (Bernoulli, Binomial))):
    for _q in _qs:
        register_kl(_p, _q)(_infinite)


def _xlogx(x):
    return _C.xlogy(x, x)


def _gamma_log_normalizer(q):
    """log Gamma(a) - a log(rate): what a Gamma's log density subtracts."""
    return q.concentration.lgamma() - q.concentration * q.rate.log()


def _normal_cross_entropy(q, mean, second_moment):
    """-E[log q(x)] for a normal q, from p's first two moments."""
    return (0.5 * (2 * math.pi * q.scale ** 2).log()
            + (second_moment - 2 * q.loc * mean + q.loc ** 2) / (2 * q.scale ** 2))


@register_kl(Bernoulli, Poisson)
def _bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


@register_kl(Beta, ContinuousBernoulli)
@register_kl(Uniform, ContinuousBernoulli)
def _to_cb(p, q):
    result = -p.entropy() - p.mean * q.logits - (-q.probs).log1p() - q._log_normalizer()
    if isinstance(p, Uniform):  # outside [0, 1]: infinite
        result = _C.where((p.high >= 1).logical_or(p.low <= 0), math.inf, result)
    return result


@register_kl(Beta, Exponential)
@register_kl(ContinuousBernoulli, Exponential)
@register_kl(Gamma, Exponential)
def _to_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Gamma)
def _beta_gamma(p, q):
    a, b = p.concentration1, p.concentration0
    e_log_x = a.digamma() - (a + b).digamma()
    return -p.entropy() + _gamma_log_normalizer(q) - (q.concentration - 1) * e_log_x + q.rate * a / (a + b)


@register_kl(Beta, Normal)
@register_kl(ContinuousBernoulli, Normal)
def _to_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean ** 2)


@register_kl(Beta, Uniform)
@register_kl(ContinuousBernoulli, Uniform)
def _unit_to_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    outside = (q.low > 0).logical_or(q.high < 1) if isinstance(p, Beta) else (q.low >= 0).logical_or(q.high <= 1)
    return _C.where(outside, math.inf, result)


@register_kl(Exponential, Gamma)
def _exponential_gamma(p, q):
    ratio = q.rate / p.rate
    return (-q.concentration * ratio.log() + ratio + q.concentration.lgamma() + q.concentration * _EULER
            - (1 + _EULER))


@register_kl(Exponential, Gumbel)
def _exponential_gumbel(p, q):
    prod, loc_ratio = p.rate * q.scale, q.loc / q.scale
    return prod.log() - 1 - loc_ratio + loc_ratio.exp() * prod / (prod + 1) + 1 / prod


@register_kl(Exponential, Normal)
def _exponential_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, 1 / p.rate, 2 / p.rate ** 2)


@register_kl(Gamma, Gumbel)
def _gamma_gumbel(p, q):
    a, prod, loc_ratio = p.concentration, p.rate * q.scale, q.loc / q.scale
    t1 = (a - 1) * a.digamma() - a.lgamma() - a
    t2 = prod.log() + a / prod
    t3 = loc_ratio.exp() * (1 + 1 / prod).pow(-a) - loc_ratio
    return t1 + t2 + t3


@register_kl(Gamma, Normal)
@register_kl(Laplace, Normal)
@register_kl(Gumbel, Normal)
def _moments_to_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean ** 2)


@register_kl(Normal, Gumbel)
def _normal_gumbel(p, q):
    mean_ratio, var_ratio, loc_ratio = p.loc / q.scale, (p.scale / q.scale) ** 2, q.loc / q.scale
    return (-0.5 * var_ratio.log() + mean_ratio - loc_ratio + (-mean_ratio + 0.5 * var_ratio + loc_ratio).exp()
            - 0.5 * (1 + math.log(2 * math.pi)))


@register_kl(Normal, Laplace)
def _normal_laplace(p, q):
    diff = p.loc - q.loc
    # E|x - q.loc| for x ~ N(p.loc, p.scale): the folded normal's mean.
    folded = math.sqrt(2 / math.pi) * p.scale * (-0.5 * (diff / p.scale) ** 2).exp() + diff * (
        diff / (math.sqrt(2) * p.scale)).erf()
    return -(p.scale / q.scale).log() + folded / q.scale - 0.5 * (1 + math.log(0.5 * math.pi))


@register_kl(Pareto, Exponential)
def _pareto_exponential(p, q):
    prod = p.scale * q.rate
    result = (p.alpha / prod).log() - 1 / p.alpha + p.alpha * prod / (p.alpha - 1) - 1
    return _C.where(p.alpha <= 1, math.inf, result)


@register_kl(Pareto, Gamma)
def _pareto_gamma(p, q):
    e_log_x = p.scale.log() + 1 / p.alpha
    result = ((p.alpha.log() - e_log_x) + _gamma_log_normalizer(q) + (1 - q.concentration) * e_log_x
              + q.rate * p.alpha * p.scale / (p.alpha - 1) - 1)
    return _C.where(p.alpha <= 1, math.inf, result)


@register_kl(Pareto, Normal)
def _pareto_normal(p, q):
    mean = p.alpha * p.scale / (p.alpha - 1)
    second = p.alpha * p.scale ** 2 / (p.alpha - 2)
    result = -p.entropy() + _normal_cross_entropy(q, mean, second)
    return _C.where(p.alpha <= 2, math.inf, result)


@register_kl(Uniform, Beta)
def _uniform_beta(p, q):
    width = p.high - p.low
    e_log_x = (_xlogx(p.high) - _xlogx(p.low) - width) / width
    e_log_1mx = (_xlogx(1 - p.high) - _xlogx(1 - p.low) + width) / -width
    log_beta = q.concentration1.lgamma() + q.concentration0.lgamma() - (q.concentration1 + q.concentration0).lgamma()
    result = -width.log() - (q.concentration1 - 1) * e_log_x - (q.concentration0 - 1) * e_log_1mx + log_beta
    return _C.where((p.high > 1).logical_or(p.low < 0), math.inf, result)


@register_kl(Uniform, Exponential)
def _uniform_exponential(p, q):
    result = q.rate * (p.high + p.low) / 2 - ((p.high - p.low) * q.rate).log()
    return _C.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gamma)
def _uniform_gamma(p, q):
    width = p.high - p.low
    e_log_x = (_xlogx(p.high) - _xlogx(p.low) - width) / width
    result = -width.log() + _gamma_log_normalizer(q) + (1 - q.concentration) * e_log_x + q.rate * (p.high + p.low) / 2
    return _C.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gumbel)
def _uniform_gumbel(p, q):
    ratio = q.scale / (p.high - p.low)
    high, low = (p.high - q.loc) / q.scale, (p.low - q.loc) / q.scale
    return ratio.log() + 0.5 * (high + low) - ratio * ((-high).exp() - (-low).exp())


@register_kl(Uniform, Normal)
def _uniform_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean ** 2)


@register_kl(Uniform, Pareto)
def _uniform_pareto(p, q):
    width = p.high - p.low
    e_log_x = (_xlogx(p.high) - _xlogx(p.low) - width) / width
    result = e_log_x * (q.alpha + 1) - (q.alpha * q.scale.pow(q.alpha) * width).log()
    return _C.where(p.low < q.scale, math.inf, result)
