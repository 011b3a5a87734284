"""tg.distributions against torch.distributions: log_prob, entropy, cdf and moments on the same
parameters, kl_divergence, sample shapes and statistics, rsample gradients, argument checks."""
import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")
D, TD = tg.distributions, torch.distributions


def both(x, dtype="float"):
    x = np.ascontiguousarray(x, dtype=np.float64 if dtype == "float" else np.int64)
    return tg.tensor(x.tolist(), dtype=tg.float64 if dtype == "float" else tg.int64), torch.tensor(x)


def close(a, b, tol=1e-9):
    np.testing.assert_allclose(np.asarray(a.detach()), b.detach().numpy(), rtol=tol, atol=tol)


rng = np.random.default_rng(0)
LOC, SCALE = rng.normal(size=(2, 3)), rng.uniform(0.5, 2.0, size=(2, 3))
VALUES = rng.normal(size=(4, 2, 3))
CASES = [
    ("Normal", lambda m, t: m.Normal(*t(LOC, SCALE)), VALUES, True),
    ("LogNormal", lambda m, t: m.LogNormal(*t(LOC, SCALE)), np.exp(VALUES), False),
    ("Laplace", lambda m, t: m.Laplace(*t(LOC, SCALE)), VALUES, True),
    ("Cauchy", lambda m, t: m.Cauchy(*t(LOC, SCALE)), VALUES, True),
    ("Exponential", lambda m, t: m.Exponential(*t(SCALE)), np.abs(VALUES), True),
    ("Uniform", lambda m, t: m.Uniform(*t(LOC - SCALE, LOC + SCALE)), LOC + SCALE * np.tanh(VALUES), True),
    ("Bernoulli", lambda m, t: m.Bernoulli(probs=t(SCALE / 2.5)[0]), (VALUES > 0) * 1.0, False),
    ("BernoulliLogits", lambda m, t: m.Bernoulli(logits=t(LOC)[0]), (VALUES > 0) * 1.0, False),
    ("Geometric", lambda m, t: m.Geometric(probs=t(SCALE / 2.5)[0]), np.floor(np.abs(VALUES) * 3), False),
    ("Poisson", lambda m, t: m.Poisson(t(SCALE)[0]), np.floor(np.abs(VALUES) * 3), False),
    ("Binomial", lambda m, t: m.Binomial(t(np.full((2, 3), 7.0))[0], probs=t(SCALE / 2.5)[0]),
     np.minimum(np.floor(np.abs(VALUES) * 3), 7), False),
]


@pytest.mark.parametrize("name,make,values,has_cdf", CASES, ids=[c[0] for c in CASES])
def test_univariate_values_match_torch(name, make, values, has_cdf):
    ours = make(D, lambda *a: tuple(both(x)[0] for x in a))
    theirs = make(TD, lambda *a: tuple(both(x)[1] for x in a))
    vt, vp = both(values)
    close(ours.log_prob(vt), theirs.log_prob(vp))
    if name not in ("Binomial", "Poisson"):  # no closed form (torch enumerates or lacks one)
        close(ours.entropy(), theirs.entropy())
    if name != "Cauchy":
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance)
    if has_cdf:
        close(ours.cdf(vt), theirs.cdf(vp))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.sample((5,)).shape) == tuple(theirs.sample((5,)).shape)


def test_categorical_and_one_hot_match_torch():
    logits = rng.normal(size=(3, 5))
    (lt, lp), (vt, vp) = both(logits), both([[0, 4, 2], [1, 1, 3]], "int")
    for kw_t, kw_p in (({"logits": lt}, {"logits": lp}), ({"probs": lt.softmax(-1)}, {"probs": lp.softmax(-1)})):
        ours, theirs = D.Categorical(**kw_t), TD.Categorical(**kw_p)
        close(ours.log_prob(vt), theirs.log_prob(vp))
        close(ours.entropy(), theirs.entropy())
        close(ours.probs, theirs.probs)
        assert ours.sample((4, 2)).shape == (4, 2, 3) and ours.enumerate_support().shape == (5, 3)
    ot, op = D.OneHotCategorical(logits=lt), TD.OneHotCategorical(logits=lp)
    onehot_t, onehot_p = both(np.eye(5)[[0, 4, 2]])
    close(ot.log_prob(onehot_t), op.log_prob(onehot_p))
    assert ot.sample((2,)).shape == (2, 3, 5) and ot.sample().sum(-1).tolist() == [1.0, 1.0, 1.0]
    # Sampling frequencies follow the probabilities.
    tg.manual_seed(0)
    draws = D.Categorical(probs=tg.tensor([0.1, 0.2, 0.7])).sample((20000,))
    freq = [float((draws == k).float().mean()) for k in range(3)]
    assert freq == pytest.approx([0.1, 0.2, 0.7], abs=0.02)


def test_multivariate_normal_and_independent_match_torch():
    a = rng.normal(size=(2, 3, 3))
    cov = a @ a.transpose(0, 2, 1) + 3 * np.eye(3)
    (loc_t, loc_p), (cov_t, cov_p), (v_t, v_p) = both(rng.normal(size=(2, 3))), both(cov), both(VALUES[..., :3])
    for kw in ("covariance_matrix", "precision_matrix", "scale_tril"):
        m = cov if kw == "covariance_matrix" else np.linalg.inv(cov) if kw == "precision_matrix" else \
            np.linalg.cholesky(cov)
        mt, mp = both(m)
        ours, theirs = D.MultivariateNormal(loc_t, **{kw: mt}), TD.MultivariateNormal(loc_p, **{kw: mp})
        close(ours.log_prob(v_t), theirs.log_prob(v_p), 1e-8)
        close(ours.entropy(), theirs.entropy(), 1e-8)
        close(ours.variance, theirs.variance, 1e-8)
        close(ours.covariance_matrix, theirs.covariance_matrix, 1e-8)
    assert ours.rsample((7,)).shape == (7, 2, 3)
    (lt, lp), (st, sp) = both(LOC), both(SCALE)
    it, ip = D.Independent(D.Normal(lt, st), 1), TD.Independent(TD.Normal(lp, sp), 1)
    vt, vp = both(VALUES)
    close(it.log_prob(vt), ip.log_prob(vp))
    close(it.entropy(), ip.entropy())
    assert tuple(it.batch_shape) == (2,) and tuple(it.event_shape) == (3,)


def test_kl_divergence_matches_torch():
    (lt, lp), (st, sp), (l2t, l2p), (s2t, s2p) = both(LOC), both(SCALE), both(LOC[::-1]), both(SCALE[::-1] + 0.3)
    pairs = [
        (D.Normal(lt, st), D.Normal(l2t, s2t), TD.Normal(lp, sp), TD.Normal(l2p, s2p)),
        (D.Laplace(lt, st), D.Laplace(l2t, s2t), TD.Laplace(lp, sp), TD.Laplace(l2p, s2p)),
        (D.Exponential(st), D.Exponential(s2t), TD.Exponential(sp), TD.Exponential(s2p)),
        (D.Poisson(st), D.Poisson(s2t), TD.Poisson(sp), TD.Poisson(s2p)),
        (D.Bernoulli(logits=lt), D.Bernoulli(logits=l2t), TD.Bernoulli(logits=lp), TD.Bernoulli(logits=l2p)),
        (D.Categorical(logits=lt), D.Categorical(logits=l2t), TD.Categorical(logits=lp),
         TD.Categorical(logits=l2p)),
        (D.Uniform(lt - st, lt + st), D.Uniform(lt - s2t - st, lt + s2t + st), TD.Uniform(lp - sp, lp + sp),
         TD.Uniform(lp - s2p - sp, lp + s2p + sp)),
        (D.Independent(D.Normal(lt, st), 1), D.Independent(D.Normal(l2t, s2t), 1),
         TD.Independent(TD.Normal(lp, sp), 1), TD.Independent(TD.Normal(l2p, s2p), 1)),
    ]
    for p, q, tp, tq in pairs:
        close(D.kl_divergence(p, q), TD.kl_divergence(tp, tq))
    eye = np.eye(3)
    (et, ep), (e2t, e2p) = both(eye), both(2 * eye + 0.5)
    close(D.kl_divergence(D.MultivariateNormal(lt, et), D.MultivariateNormal(l2t, e2t)),
          TD.kl_divergence(TD.MultivariateNormal(lp, ep), TD.MultivariateNormal(l2p, e2p)), 1e-8)
    with pytest.raises(NotImplementedError, match="no formula for Normal and Poisson"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Poisson(1.0))


def test_rsample_carries_gradients_and_samples_have_the_moments():
    tg.manual_seed(0)
    loc = tg.tensor([1.0, -2.0], requires_grad=True)
    scale = tg.tensor([0.5, 2.0], requires_grad=True)
    x = D.Normal(loc, scale).rsample((20000,))
    assert [float(v) for v in x.mean(0)] == pytest.approx([1.0, -2.0], abs=0.05)
    assert [float(v) for v in x.std(0)] == pytest.approx([0.5, 2.0], rel=0.03)
    x.mean().backward()
    assert loc.grad.tolist() == pytest.approx([0.5, 0.5]) and scale.grad is not None
    assert not D.Normal(loc, scale).sample().requires_grad
    for dist, mean in ((D.Exponential(tg.tensor(2.0)), 0.5), (D.Laplace(0.0, 1.0), 0.0), (D.Poisson(3.0), 3.0),
                       (D.Geometric(probs=0.25), 3.0), (D.Binomial(10, probs=0.3), 3.0), (D.Uniform(1.0, 3.0), 2.0)):
        assert float(dist.sample((20000,)).mean()) == pytest.approx(mean, abs=0.08), type(dist).__name__


def test_argument_checks():
    with pytest.raises(ValueError, match="Expected parameter scale .* of distribution Normal to satisfy the "
                                         "constraint GreaterThan"):
        D.Normal(0.0, tg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="pass either probs or logits"):
        D.Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match="pass either probs or logits"):
        D.Categorical()
    with pytest.raises(ValueError, match="Expected parameter probs"):
        D.Bernoulli(probs=tg.tensor([1.5]))
    with pytest.raises(ValueError, match="does not broadcast with the batch shape"):
        D.Normal(tg.zeros(3), 1.0).log_prob(tg.zeros(4))
    with pytest.raises(ValueError, match="pass exactly one of covariance_matrix"):
        D.MultivariateNormal(tg.zeros(2))
    with pytest.raises(ValueError, match="must be square with the size of loc's last dim"):
        D.MultivariateNormal(tg.zeros(2), tg.eye(3))
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims must be in"):
        D.Independent(D.Normal(tg.zeros(2), 1.0), 2)
    with pytest.raises(NotImplementedError, match="Bernoulli has no reparameterized sampling"):
        D.Bernoulli(probs=0.5).rsample()


def test_gamma_family_matches_torch_and_samples_have_the_moments():
    (at, ap), (rt, rp) = both(SCALE * 2), both(SCALE[::-1] + 0.2)
    x = np.abs(VALUES) + 0.1
    u = 1 / (1 + np.exp(-VALUES))
    simplex = np.exp(VALUES) / np.exp(VALUES).sum(-1, keepdims=True)
    cases = [(D.Gamma(at, rt), TD.Gamma(ap, rp), x), (D.Chi2(at), TD.Chi2(ap), x),
             (D.Beta(at, rt), TD.Beta(ap, rp), u), (D.Dirichlet(at), TD.Dirichlet(ap), simplex)]
    for ours, theirs, values in cases:
        vt, vp = both(values)
        close(ours.log_prob(vt), theirs.log_prob(vp), 1e-8)
        close(ours.entropy(), theirs.entropy(), 1e-8)
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance)
        assert tuple(ours.sample((3,)).shape) == tuple(theirs.sample((3,)).shape)
    close(D.Gamma(at, rt).cdf(both(x)[0]), TD.Gamma(ap, rp).cdf(both(x)[1]), 1e-8)
    for p, q, tp, tq in ((D.Gamma(at, rt), D.Gamma(rt, at), TD.Gamma(ap, rp), TD.Gamma(rp, ap)),
                         (D.Beta(at, rt), D.Beta(rt, at), TD.Beta(ap, rp), TD.Beta(rp, ap)),
                         (D.Dirichlet(at), D.Dirichlet(rt), TD.Dirichlet(ap), TD.Dirichlet(rp))):
        close(D.kl_divergence(p, q), TD.kl_divergence(tp, tq), 1e-8)
    tg.manual_seed(0)
    g = D.Gamma(tg.tensor([0.5, 2.0, 9.0]), tg.tensor([1.0, 2.0, 0.5]))  # below 1 uses the boost
    draws = g.sample((40000,))
    assert [float(v) for v in draws.mean(0)] == pytest.approx([0.5, 1.0, 18.0], rel=0.03)
    assert [float(v) for v in draws.var(0)] == pytest.approx([0.5, 0.5, 36.0], rel=0.06)
    assert float(D.Beta(2.0, 3.0).sample((40000,)).mean()) == pytest.approx(0.4, abs=0.01)
    dir_draws = D.Dirichlet(tg.tensor([1.0, 2.0, 3.0])).sample((20000,))
    assert float((dir_draws.sum(-1) - 1).abs().max()) < 1e-5
    assert [float(v) for v in dir_draws.mean(0)] == pytest.approx([1 / 6, 2 / 6, 3 / 6], abs=0.01)
    with pytest.raises(ValueError, match="Expected parameter concentration"):
        D.Gamma(-1.0, 1.0)


POS = rng.uniform(0.5, 3.0, size=(2, 3))
POS2 = rng.uniform(0.5, 3.0, size=(2, 3))
NEW_CASES = [
    ("Gumbel", lambda m, t: m.Gumbel(*t(LOC, SCALE)), VALUES, True, True),
    ("HalfNormal", lambda m, t: m.HalfNormal(*t(SCALE)), np.abs(VALUES), True, True),
    ("HalfCauchy", lambda m, t: m.HalfCauchy(*t(SCALE)), np.abs(VALUES), True, False),
    ("Weibull", lambda m, t: m.Weibull(*t(SCALE, POS)), np.abs(VALUES) + 0.1, True, True),
    ("Pareto", lambda m, t: m.Pareto(*t(SCALE, POS + 2)), SCALE + np.abs(VALUES), True, True),
    ("Kumaraswamy", lambda m, t: m.Kumaraswamy(*t(POS, POS2)), 1 / (1 + np.exp(VALUES)), True, True),
    ("StudentT", lambda m, t: m.StudentT(*t(POS + 2, LOC, SCALE)), VALUES, False, True),
    ("NegativeBinomial", lambda m, t: m.NegativeBinomial(*t(POS), probs=t(SCALE / 2.5)[0]),
     np.floor(np.abs(VALUES) * 3), False, True),
    ("NegativeBinomialLogits", lambda m, t: m.NegativeBinomial(*t(POS), logits=t(LOC)[0]),
     np.floor(np.abs(VALUES) * 3), False, True),
]


@pytest.mark.parametrize("name,make,values,has_cdf,has_moments", NEW_CASES, ids=[c[0] for c in NEW_CASES])
def test_more_univariate_values_match_torch(name, make, values, has_cdf, has_moments):
    ours = make(D, lambda *a: tuple(both(x)[0] for x in a))
    theirs = make(TD, lambda *a: tuple(both(x)[1] for x in a))
    vt, vp = both(values)
    close(ours.log_prob(vt), theirs.log_prob(vp))
    if not name.startswith("NegativeBinomial"):
        close(ours.entropy(), theirs.entropy())
    if has_moments:
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance)
    if name not in ("Kumaraswamy", "StudentT"):  # torch's Kumaraswamy mode is NaN for b > 1
        close(ours.mode, theirs.mode)
    if has_cdf:
        close(ours.cdf(vt), theirs.cdf(vp))
        probs = both(1 / (1 + np.exp(-VALUES)))
        close(ours.icdf(probs[0]), theirs.icdf(probs[1]), 1e-7)
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.sample((5,)).shape) == tuple(theirs.sample((5,)).shape)
    assert ours.has_rsample == theirs.has_rsample
    assert type(ours.support).__name__ == type(theirs.support).__name__


def test_new_distributions_samples_have_their_moments():
    tg.manual_seed(5)
    n = 100_000
    for make, mean, var in (
            (lambda: D.Gumbel(1.0, 2.0), 1 + 2 * 0.5772156649, (np.pi * 2) ** 2 / 6),
            (lambda: D.HalfNormal(2.0), 2 * np.sqrt(2 / np.pi), 4 * (1 - 2 / np.pi)),
            (lambda: D.Weibull(2.0, 1.5), None, None),
            (lambda: D.Pareto(1.0, 5.0), 5 / 4, 5 / (16 * 3)),
            (lambda: D.StudentT(6.0, 1.0, 2.0), 1.0, 4 * 6 / 4),
            (lambda: D.NegativeBinomial(4.0, probs=0.3), 4 * 0.3 / 0.7, 4 * 0.3 / 0.49),
            (lambda: D.Kumaraswamy(2.0, 3.0), None, None)):
        d = make()
        x = np.asarray(d.sample((n,)))
        expected_mean = float(d.mean) if mean is None else mean
        expected_var = float(d.variance) if var is None else var
        assert abs(x.mean() - expected_mean) < 5 * np.sqrt(expected_var / n), type(d).__name__
        assert abs(x.var() / expected_var - 1) < 0.05, type(d).__name__


def test_transforms_match_torch():
    x = rng.normal(size=(3, 4))
    xt, xp = both(x)
    T, TT = D.transforms, TD.transforms
    pairs = [
        (T.ExpTransform(), TT.ExpTransform()), (T.SigmoidTransform(), TT.SigmoidTransform()),
        (T.TanhTransform(), TT.TanhTransform()), (T.SoftplusTransform(), TT.SoftplusTransform()),
        (T.AffineTransform(1.5, -2.0), TT.AffineTransform(1.5, -2.0)),
        (T.AffineTransform(both(LOC[0, :1] * np.ones(4))[0], 3.0, event_dim=1),
         TT.AffineTransform(both(LOC[0, :1] * np.ones(4))[1], 3.0, event_dim=1)),
        (T.StickBreakingTransform(), TT.StickBreakingTransform()),
        (T.ComposeTransform([T.ExpTransform(), T.PowerTransform(2.0)]),
         TT.ComposeTransform([TT.ExpTransform(), TT.PowerTransform(2.0)])),
        (T.ComposeTransform([T.AffineTransform(0.0, 2.0), T.StickBreakingTransform()]),
         TT.ComposeTransform([TT.AffineTransform(0.0, 2.0), TT.StickBreakingTransform()])),
        (T.IndependentTransform(T.SigmoidTransform(), 1), TT.IndependentTransform(TT.SigmoidTransform(), 1)),
        (T.ReshapeTransform((4,), (2, 2)), TT.ReshapeTransform((4,), (2, 2))),
    ]
    for ours, theirs in pairs:
        yt, yp = ours(xt), theirs(xp)
        close(yt, yp, 1e-12)
        close(ours.inv(yt), theirs.inv(yp), 1e-9)
        close(ours.log_abs_det_jacobian(xt, yt), theirs.log_abs_det_jacobian(xp, yp), 1e-9)
        assert ours.domain.event_dim == theirs.domain.event_dim
        assert ours.codomain.event_dim == theirs.codomain.event_dim
        assert ours.bijective == theirs.bijective
        assert tuple(ours.forward_shape((3, 4))) == tuple(theirs.forward_shape((3, 4)))
    softmax, lower = T.SoftmaxTransform(), T.LowerCholeskyTransform()
    close(softmax(xt), TT.SoftmaxTransform()(xp))
    square = both(rng.normal(size=(2, 3, 3)))
    close(lower(square[0]), TT.LowerCholeskyTransform()(square[1]))
    close(lower.inv(lower(square[0])), square[0].tril())
    # The inverse is the same object, and undoes the transform; with a cache, exactly.
    t = T.TanhTransform(cache_size=1)
    big = tg.tensor([30.0, -30.0], dtype=tg.float64)
    assert t.inv is t.inv and t.inv.inv is t
    assert t.inv(t(big)) is big
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)

    class Scaled(T.Transform):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

    with pytest.raises(NotImplementedError, match="Scaled: a Transform whose __init__ takes arguments must define"):
        Scaled(2.0).with_cache(1)
    with pytest.raises(ValueError, match="different numbers of elements"):
        T.ReshapeTransform((4,), (3,))


def test_transformed_distribution_matches_torch():
    (lt, lp), (st, sp) = both(LOC), both(SCALE)
    vt, vp = both(VALUES)
    T, TT = D.transforms, TD.transforms
    ours = D.TransformedDistribution(D.Normal(lt, st), [T.AffineTransform(1.0, -2.0), T.SigmoidTransform()])
    theirs = TD.TransformedDistribution(TD.Normal(lp, sp), [TT.AffineTransform(1.0, -2.0), TT.SigmoidTransform()])
    u = both(1 / (1 + np.exp(-VALUES)))
    close(ours.log_prob(u[0]), theirs.log_prob(u[1]))
    close(ours.cdf(u[0]), theirs.cdf(u[1]))
    close(ours.icdf(u[0]), theirs.icdf(u[1]), 1e-7)
    assert ours.has_rsample and tuple(ours.rsample((3,)).shape) == (3, 2, 3)
    # Event dims: a stick-breaking image of a batch of Normals (LogisticNormal).
    ln, lnp = D.LogisticNormal(lt, st), TD.LogisticNormal(lp, sp)
    simplex = both(np.exp(VALUES.reshape(4, 2, 3)[..., :1].repeat(4, -1) * [1.0, 0.5, -0.2, 0.1]))
    simplex = tuple(s / s.sum(-1, keepdim=True) for s in simplex)
    assert tuple(ln.batch_shape) == (2,) and tuple(ln.event_shape) == (4,)
    close(ln.log_prob(simplex[0]), lnp.log_prob(simplex[1]))
    assert tuple(ln.rsample((5,)).shape) == (5, 2, 4)
    # rsample's gradient through the transforms.
    loc = tg.zeros(3, requires_grad=True)
    d = D.TransformedDistribution(D.Normal(loc, 1.0), T.ExpTransform())
    d.rsample((1000,)).mean().backward()
    assert loc.grad is not None and float(loc.grad.sum()) > 0
    assert type(D.TransformedDistribution(D.Normal(lt, st), T.ExpTransform()).support).__name__ == "_GreaterThan"
    close(D.Laplace(lt, st).icdf(u[0]), TD.Laplace(lp, sp).icdf(u[1]))
    # KL divergences of the transformed families.
    (at, ap), (bt, bp) = both(POS), both(POS2)
    for make in (lambda m, x, y: m.Gumbel(x, y), lambda m, x, y: m.HalfNormal(y), lambda m, x, y: m.Pareto(x, y),
                 lambda m, x, y: m.TransformedDistribution(m.Normal(x, y), m.transforms.ExpTransform()),
                 lambda m, x, y: m.Weibull(x, 2.0)):
        if make(D, at, bt).__class__.__name__ == "Weibull":  # no formula in either
            with pytest.raises(NotImplementedError):
                D.kl_divergence(make(D, at, bt), make(D, bt, at))
            continue
        close(D.kl_divergence(make(D, at, bt), make(D, bt, at)), TD.kl_divergence(make(TD, ap, bp), make(TD, bp, ap)))
    with pytest.raises(ValueError, match="transforms must be a Transform or a list"):
        D.TransformedDistribution(D.Normal(lt, st), [1])


def test_relaxed_distributions_match_torch():
    (lt, lp) = both(LOC)
    temp_t, temp_p = both(0.7)
    ours, theirs = D.RelaxedBernoulli(temp_t, logits=lt), TD.RelaxedBernoulli(temp_p, logits=lp)
    u = both(1 / (1 + np.exp(-VALUES)))
    close(ours.log_prob(u[0]), theirs.log_prob(u[1]))
    x = ours.rsample((4,))
    assert tuple(x.shape) == (4, 2, 3) and bool((x > 0).all()) and bool((x < 1).all())
    ours, theirs = D.RelaxedOneHotCategorical(temp_t, logits=lt), TD.RelaxedOneHotCategorical(temp_p, logits=lp)
    simplex = both(np.exp(VALUES) / np.exp(VALUES).sum(-1, keepdims=True))
    close(ours.log_prob(simplex[0]), theirs.log_prob(simplex[1]))
    s = ours.rsample((5,))
    assert tuple(s.shape) == (5, 2, 3)
    np.testing.assert_allclose(np.asarray(s.sum(-1)), 1.0, rtol=1e-9)
    # Gradients reach the logits through the relaxed samples.
    logits = tg.zeros(4, requires_grad=True)
    (D.RelaxedOneHotCategorical(0.5, logits=logits).rsample((10,)) * tg.arange(4.0)).sum().backward()
    assert logits.grad is not None


def test_multinomial_and_mixture_match_torch():
    (lt, lp) = both(LOC)
    counts = both([[[1, 0, 3], [2, 2, 0]]] * 2)
    ours, theirs = D.Multinomial(4, logits=lt), TD.Multinomial(4, logits=lp)
    close(ours.log_prob(counts[0]), theirs.log_prob(counts[1]))
    close(ours.mean, theirs.mean)
    close(ours.variance, theirs.variance)
    s = ours.sample((7,))
    assert tuple(s.shape) == (7, 2, 3) and bool((s.sum(-1) == 4).all())
    # Counts follow the probabilities.
    many = D.Multinomial(1000, probs=tg.tensor([0.2, 0.3, 0.5])).sample((50,))
    np.testing.assert_allclose(np.asarray(many.mean(0)) / 1000, [0.2, 0.3, 0.5], atol=0.01)
    with pytest.raises(ValueError, match="total_count must be a non-negative int"):
        D.Multinomial(-1, probs=tg.tensor([0.5, 0.5]))

    (wt, wp), (mt, mp), (st, sp) = both(rng.normal(size=(2, 3))), both(LOC), both(SCALE)
    ours = D.MixtureSameFamily(D.Categorical(logits=wt), D.Normal(mt, st))
    theirs = TD.MixtureSameFamily(TD.Categorical(logits=wp), TD.Normal(mp, sp))
    vt, vp = both(rng.normal(size=(4, 2)))
    close(ours.log_prob(vt), theirs.log_prob(vp))
    close(ours.cdf(vt), theirs.cdf(vp))
    close(ours.mean, theirs.mean)
    close(ours.variance, theirs.variance)
    assert tuple(ours.batch_shape) == (2,) and tuple(ours.sample((6,)).shape) == (6, 2)
    # Multivariate components.
    comp_t = D.Independent(D.Normal(both(rng.normal(size=(3, 2)))[0], 1.0), 1)
    comp_p = TD.Independent(TD.Normal(torch.tensor(np.asarray(comp_t.base_dist.loc)), 1.0), 1)
    ours = D.MixtureSameFamily(D.Categorical(logits=wt[0]), comp_t)
    theirs = TD.MixtureSameFamily(TD.Categorical(logits=wp[0]), comp_p)
    pts = both(rng.normal(size=(5, 2)))
    close(ours.log_prob(pts[0]), theirs.log_prob(pts[1]))
    assert tuple(ours.sample((4,)).shape) == (4, 2)
    close(ours.variance, theirs.variance)
    with pytest.raises(ValueError, match="mixture_distribution has 3 components but"):
        D.MixtureSameFamily(D.Categorical(logits=wt), D.Normal(tg.zeros(2, 4), 1.0))


def test_constraints_and_biject_to_match_torch():
    C, TC = D.constraints, TD.constraints
    x = both(np.array([-1.5, 0.0, 0.5, 1.0, 2.0, np.nan]))
    for ours, theirs in ((C.real, TC.real), (C.positive, TC.positive), (C.nonnegative, TC.nonnegative),
                         (C.unit_interval, TC.unit_interval), (C.greater_than(0.5), TC.greater_than(0.5)),
                         (C.less_than(1.0), TC.less_than(1.0)), (C.interval(-1.0, 1.0), TC.interval(-1.0, 1.0)),
                         (C.half_open_interval(0.0, 1.0), TC.half_open_interval(0.0, 1.0)),
                         (C.nonnegative_integer, TC.nonnegative_integer), (C.boolean, TC.boolean),
                         (C.integer_interval(0, 1), TC.integer_interval(0, 1))):
        assert np.asarray(ours.check(x[0])).tolist() == theirs.check(x[1]).tolist(), repr(ours)
        assert ours.is_discrete == theirs.is_discrete and ours.event_dim == theirs.event_dim
    vec = both(np.array([[0.2, 0.3, 0.5], [0.5, 0.6, -0.1]]))
    assert np.asarray(C.simplex.check(vec[0])).tolist() == TC.simplex.check(vec[1]).tolist()
    assert np.asarray(C.real_vector.check(vec[0])).tolist() == TC.real_vector.check(vec[1]).tolist()
    spd = both(np.array([[2.0, 0.5], [0.5, 1.0]]))
    assert bool(C.positive_definite.check(spd[0])) and bool(C.lower_cholesky.check(spd[0].tril()))
    assert not bool(C.lower_cholesky.check(spd[0]))
    with pytest.raises(ValueError, match="dependent constraint"):
        C.dependent.check(x[0])
    assert C.is_dependent(D.Uniform(0.0, 1.0).arg_constraints["low"])
    # biject_to maps the reals into the set, one to one.
    z = both(rng.normal(size=(4, 3)))
    for ours, theirs in ((C.positive, TC.positive), (C.greater_than(2.0), TC.greater_than(2.0)),
                         (C.less_than(-1.0), TC.less_than(-1.0)), (C.interval(-2.0, 3.0), TC.interval(-2.0, 3.0)),
                         (C.unit_interval, TC.unit_interval), (C.simplex, TC.simplex), (C.real, TC.real),
                         (C.real_vector, TC.real_vector)):
        t, tp = D.biject_to(ours), TD.biject_to(theirs)
        y = t(z[0])
        close(y, tp(z[1]), 1e-12)
        assert bool(ours.check(y).all())
        close(t.log_abs_det_jacobian(z[0], y), tp.log_abs_det_jacobian(z[1], tp(z[1])), 1e-9)
    close(D.transform_to(C.simplex)(z[0]), TD.transform_to(TC.simplex)(z[1]))
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        D.biject_to(C.boolean)
    # Supports of the existing distributions.
    assert D.Normal(0.0, 1.0).support is C.real and D.Gamma(1.0, 1.0).support is C.nonnegative
    assert D.Binomial(5, probs=0.5).support.upper_bound.tolist() == 5
    assert D.Categorical(logits=tg.zeros(4)).support.upper_bound == 3
    assert D.Independent(D.Normal(tg.zeros(3), 1.0), 1).support.event_dim == 1


def test_gamma_family_rsample_gradients():
    # dx/dalpha of Gamma(alpha, 1) draws against PyTorch's approximation (Jankowiak and
    # Obermeyer's, to ~1e-3), over small and large alpha, near the mean and in both tails.
    from tapegrad.distributions.gamma_family import _standard_gamma_grad
    alpha = np.repeat([0.05, 0.3, 1.0, 2.5, 7.0, 20.0, 150.0], 5)
    x = alpha * np.tile([0.1, 0.5, 0.95, 1.05, 2.0], 7)
    ours = np.asarray(_standard_gamma_grad(tg.tensor(alpha.tolist(), dtype=tg.float64),
                                           tg.tensor(x.tolist(), dtype=tg.float64)))
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=5e-3)
    # Monte Carlo: d E[x] / d alpha = 1 / rate for Gamma; Beta's mean a / (a + b); Dirichlet's too.
    tg.manual_seed(1)
    a = tg.tensor([0.4, 3.0], requires_grad=True)
    rate = tg.tensor([2.0, 0.5], requires_grad=True)
    D.Gamma(a, rate).rsample((200000,)).mean(0).sum().backward()
    np.testing.assert_allclose(np.asarray(a.grad), [0.5, 2.0], rtol=0.03)
    np.testing.assert_allclose(np.asarray(rate.grad), [-0.4 / 4, -3.0 / 0.25], rtol=0.03)
    c1, c0 = tg.tensor(2.0, requires_grad=True), tg.tensor(3.0, requires_grad=True)
    D.Beta(c1, c0).rsample((200000,)).mean().backward()
    assert float(c1.grad) == pytest.approx(3 / 25, rel=0.05) and float(c0.grad) == pytest.approx(-2 / 25, rel=0.05)
    conc = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    D.Dirichlet(conc).rsample((100000,))[:, 0].mean().backward()
    np.testing.assert_allclose(np.asarray(conc.grad), [5 / 36, -1 / 36, -1 / 36], rtol=0.08)
    df = tg.tensor(5.0, requires_grad=True)
    D.StudentT(df).rsample((1000,)).abs().mean().backward()
    assert df.grad is not None and np.isfinite(float(df.grad))


def test_von_mises_inverse_gamma_fisher_and_low_rank_match_torch():
    (lt, lp), (ct, cp), (at, ap), (bt, bp) = both(LOC), both(SCALE * 3), both(POS + 2.5), both(POS2 + 4.5)
    angles = both(VALUES * 2)
    ours, theirs = D.VonMises(lt, ct), TD.VonMises(lp, cp)
    # PyTorch's log I0 and I1 are polynomial fits good to ~1e-8; ours are the functions.
    close(ours.log_prob(angles[0]), theirs.log_prob(angles[1]), 1e-7)
    close(ours.variance, theirs.variance, 1e-7)
    tg.manual_seed(3)
    draws = np.asarray(D.VonMises(tg.tensor([0.5, -2.0]), tg.tensor([4.0, 0.05])).sample((40000,)))
    assert draws.min() >= -np.pi and draws.max() < np.pi
    # The circular mean and the mean resultant length I1(k) / I0(k).
    resultant = np.exp(1j * draws).mean(0)
    assert np.angle(resultant[0]) == pytest.approx(0.5, abs=0.02)
    assert abs(resultant[0]) == pytest.approx(float(TD.VonMises(0.0, 4.0).variance.neg().add(1)), abs=0.01)
    assert abs(resultant[1]) == pytest.approx(0.025, abs=0.01)

    positive = both(np.abs(VALUES) + 0.2)
    for ours, theirs in ((D.InverseGamma(at, bt), TD.InverseGamma(ap, bp)),
                         (D.FisherSnedecor(at, bt), TD.FisherSnedecor(ap, bp))):
        close(ours.log_prob(positive[0]), theirs.log_prob(positive[1]))
        close(ours.mean, theirs.mean)
        close(ours.mode, theirs.mode)
        close(ours.variance, theirs.variance)
        assert ours.has_rsample and tuple(ours.rsample((3,)).shape) == (3, 2, 3)
    close(D.InverseGamma(at, bt).entropy(), TD.InverseGamma(ap, bp).entropy())
    f = np.asarray(D.FisherSnedecor(6.0, 12.0).sample((100000,)))
    assert f.mean() == pytest.approx(12 / 10, rel=0.02)

    w = both(rng.normal(size=(2, 4, 2)))
    d = both(rng.uniform(0.5, 1.5, size=(4,)))
    loc = both(rng.normal(size=(2, 4)))
    ours, theirs = D.LowRankMultivariateNormal(loc[0], w[0], d[0]), TD.LowRankMultivariateNormal(loc[1], w[1], d[1])
    x = both(rng.normal(size=(5, 2, 4)))
    close(ours.log_prob(x[0]), theirs.log_prob(x[1]))
    close(ours.entropy(), theirs.entropy())
    close(ours.variance, theirs.variance)
    close(ours.covariance_matrix, theirs.covariance_matrix)
    close(ours.precision_matrix, theirs.precision_matrix)
    close(ours.scale_tril, theirs.scale_tril)
    assert tuple(ours.rsample((7,)).shape) == (7, 2, 4)
    s = np.asarray(D.LowRankMultivariateNormal(loc[0][0], w[0][0], d[0]).rsample((100000,)))
    np.testing.assert_allclose(np.cov(s.T), np.asarray(ours.covariance_matrix[0]), atol=0.06)
    with pytest.raises(ValueError, match="must share the event size 4"):
        D.LowRankMultivariateNormal(loc[0], w[0][..., :3, :], d[0])

    logits = tg.zeros(2, 3, requires_grad=True)
    st = D.OneHotCategoricalStraightThrough(logits=logits)
    sample = st.rsample((4,))
    assert bool((sample.sum(-1) == 1).all())
    (sample * tg.arange(3.0)).sum().backward()
    assert logits.grad is not None and float(logits.grad.abs().sum()) > 0


def test_values_outside_the_support_are_refused_as_in_torch():
    for ours, theirs, bad in ((D.Exponential(1.0), TD.Exponential(1.0), -1.0),
                              (D.Uniform(0.0, 1.0), TD.Uniform(0.0, 1.0), 2.0),
                              (D.Bernoulli(probs=0.3), TD.Bernoulli(probs=0.3), 0.5),
                              (D.Categorical(logits=tg.zeros(3)), TD.Categorical(logits=torch.zeros(3)), 3),
                              (D.HalfNormal(1.0), TD.HalfNormal(1.0), -0.5),
                              (D.Pareto(2.0, 1.0), TD.Pareto(2.0, 1.0), 1.0)):
        with pytest.raises(ValueError):
            theirs.log_prob(torch.tensor(bad))
        with pytest.raises(ValueError, match="Expected value argument .* to be within the support"):
            ours.log_prob(tg.tensor(bad))
    with pytest.raises(ValueError, match="within the support \\(GreaterThanEq\\(lower_bound=0.0\\)\\)"):
        D.Exponential(1.0).cdf(tg.tensor([1.0, -2.0]))
    # Without validation the formula runs as it is; icdf takes probabilities, not values.
    assert float(D.Uniform(0.0, 1.0, validate_args=False).log_prob(tg.tensor(2.0))) == float("-inf")
    assert float(D.Pareto(2.0, 1.0).icdf(tg.tensor(0.5))) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="Exponential.icdf: expected probabilities in \\[0, 1\\]"):
        D.Exponential(1.0).icdf(tg.tensor(1.5))


def test_expand_matches_torch():
    (lt, lp), (st, sp) = both(LOC[0]), both(SCALE[0])
    logits = both(rng.normal(size=(3, 4)))

    def pick(m, ours, theirs):
        return ours if m is D else theirs

    cases = [(lambda m: m.Normal(pick(m, lt, lp), pick(m, st, sp)), (2, 3)),
             (lambda m: m.Gamma(pick(m, st, sp), pick(m, st, sp)), (5, 3)),
             (lambda m: m.Categorical(logits=pick(m, *logits)), (2, 3)),
             (lambda m: m.Independent(m.Normal(pick(m, lt, lp), pick(m, st, sp)), 1), (4,)),
             (lambda m: m.Gumbel(pick(m, lt, lp), pick(m, st, sp)), (2, 3)),
             (lambda m: m.MultivariateNormal(pick(m, lt, lp), pick(m, st, sp).diag_embed()), (2, 2))]
    for make, batch in cases:
        ours, theirs = make(D).expand(batch), make(TD).expand(batch)
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == batch
        assert tuple(ours.event_shape) == tuple(theirs.event_shape)
        sample = theirs.sample()
        assert tuple(ours.sample().shape) == tuple(sample.shape)
        value = tg.tensor(sample.tolist(), dtype=tg.int64 if sample.dtype == torch.int64 else tg.float64)
        close(ours.log_prob(value), theirs.log_prob(sample))
    with pytest.raises(ValueError, match="Normal.expand: the batch shape \\(3,\\) does not broadcast to \\(4,\\)"):
        D.Normal(lt, st).expand((4,))


def test_continuous_bernoulli_matches_torch():
    # Probabilities on both sides of 1/2, inside the Taylor band and at its edges.
    p = np.array([[0.05, 0.3, 0.4995, 0.5], [0.5004, 0.501, 0.7, 0.97]])
    (pt, pp) = both(p)
    x = both(np.clip(np.abs(VALUES[..., :2].reshape(4, 2, 2).repeat(2, -1)) / 3, 0, 1))
    for ours, theirs in ((D.ContinuousBernoulli(probs=pt), TD.ContinuousBernoulli(probs=pp)),
                         (D.ContinuousBernoulli(logits=pt * 6 - 3), TD.ContinuousBernoulli(logits=pp * 6 - 3))):
        close(ours.log_prob(x[0]), theirs.log_prob(x[1]))
        close(ours.cdf(x[0]), theirs.cdf(x[1]))
        close(ours.icdf(x[0]), theirs.icdf(x[1]))
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance)
        close(ours.entropy(), theirs.entropy())
        assert tuple(ours.rsample((3,)).shape) == (3, 2, 4)
    probs = tg.tensor([0.2, 0.8], requires_grad=True)
    draws = D.ContinuousBernoulli(probs=probs).rsample((50000,))
    np.testing.assert_allclose(np.asarray(draws.detach().mean(0)),
                               np.asarray(D.ContinuousBernoulli(probs=tg.tensor([0.2, 0.8])).mean), atol=0.01)
    draws.sum().backward()
    assert probs.grad is not None


def test_generalized_pareto_matches_torch():
    # In float32: PyTorch's GeneralizedPareto compares float64 parameters with a float32 zero.
    def f32(x):
        x = np.asarray(x, dtype=np.float32)
        return tg.tensor(x.tolist(), dtype=tg.float32), torch.tensor(x)

    loc, scale = f32(LOC), f32(SCALE)
    conc = f32([[0.7, -0.4, 0.0], [1.5, 0.3, -0.2]])
    ours, theirs = D.GeneralizedPareto(loc[0], scale[0], conc[0]), TD.GeneralizedPareto(loc[1], scale[1], conc[1])
    # Values inside every support: above loc, below loc - scale / c where c < 0.
    x = f32(LOC + SCALE * np.array([[0.5, 1.2, 2.0], [3.0, 0.1, 1.0]]))
    for f in ("log_prob", "cdf"):
        close(getattr(ours, f)(x[0]), getattr(theirs, f)(x[1]), 1e-5)
    probs = f32(1 / (1 + np.exp(-VALUES)))
    close(ours.icdf(probs[0]), theirs.icdf(probs[1]), 1e-5)
    for attr in ("mean", "variance", "mode"):
        close(getattr(ours, attr), getattr(theirs, attr), 1e-5)
    close(ours.entropy(), theirs.entropy(), 1e-5)
    assert ours.has_rsample and tuple(ours.rsample((4,)).shape) == (4, 2, 3)
    with pytest.raises(ValueError, match="within the support"):
        D.GeneralizedPareto(0.0, 1.0, -0.5).log_prob(tg.tensor(2.5))


def test_more_kl_divergences_match_torch():
    (a, ap), (b, bp) = both(SCALE / 2.5), both(POS2 / 4)
    (l1, l1p), (l2, l2p) = both(LOC), both(LOC[::-1])
    n = both(np.full((2, 3), 6.0))
    for ours, theirs in ((D.kl_divergence(D.Binomial(n[0], probs=a), D.Binomial(n[0], probs=b)),
                          TD.kl_divergence(TD.Binomial(n[1], probs=ap), TD.Binomial(n[1], probs=bp))),
                         (D.kl_divergence(D.Geometric(probs=a), D.Geometric(probs=b)),
                          TD.kl_divergence(TD.Geometric(probs=ap), TD.Geometric(probs=bp))),
                         (D.kl_divergence(D.Cauchy(l1, a * 3), D.Cauchy(l2, b * 3)),
                          TD.kl_divergence(TD.Cauchy(l1p, ap * 3), TD.Cauchy(l2p, bp * 3)))):
        close(ours, theirs)
    with pytest.raises(NotImplementedError, match="p's total_count is below q's"):
        D.kl_divergence(D.Binomial(3, probs=0.5), D.Binomial(5, probs=0.5))
    assert float(D.kl_divergence(D.Binomial(5, probs=0.5), D.Binomial(3, probs=0.5))) == float("inf")


def test_cat_stack_and_positive_definite_transforms_match_torch():
    T, TT = D.transforms, TD.transforms
    x = both(rng.normal(size=(3, 5)))
    pairs = [(T.CatTransform([T.ExpTransform(), T.SigmoidTransform()], dim=1, lengths=[2, 3]),
              TT.CatTransform([TT.ExpTransform(), TT.SigmoidTransform()], dim=1, lengths=[2, 3])),
             (T.CatTransform([T.AffineTransform(1.0, 2.0), T.TanhTransform()], dim=0, lengths=[1, 2]),
              TT.CatTransform([TT.AffineTransform(1.0, 2.0), TT.TanhTransform()], dim=0, lengths=[1, 2])),
             (T.StackTransform([T.ExpTransform(), T.SoftplusTransform(), T.TanhTransform()], dim=0),
              TT.StackTransform([TT.ExpTransform(), TT.SoftplusTransform(), TT.TanhTransform()], dim=0))]
    for ours, theirs in pairs:
        yt, yp = ours(x[0]), theirs(x[1])
        close(yt, yp, 1e-12)
        close(ours.inv(yt), theirs.inv(yp), 1e-9)
        close(ours.log_abs_det_jacobian(x[0], yt), theirs.log_abs_det_jacobian(x[1], yp), 1e-9)
        assert bool(ours.codomain.check(yt).all())
    square = both(rng.normal(size=(2, 3, 3)))
    pd, tpd = T.PositiveDefiniteTransform(), TT.PositiveDefiniteTransform()
    close(pd(square[0]), tpd(square[1]), 1e-12)
    close(pd.inv(pd(square[0])), tpd.inv(tpd(square[1])), 1e-9)
    assert bool(D.constraints.positive_definite.check(pd(square[0])).all())
    with pytest.raises(ValueError, match="is not the sum of the lengths"):
        pairs[0][0](tg.ones(3, 4))
    with pytest.raises(ValueError, match="StackTransform: expected 3 entries along dim 0"):
        pairs[2][0](tg.ones(2, 4))


def test_lkj_cholesky_matches_torch():
    conc = np.array([0.5, 2.0, 5.0])
    ours, theirs = D.LKJCholesky(4, both(conc)[0]), TD.LKJCholesky(4, both(conc)[1])
    v = theirs.sample((5,))
    close(ours.log_prob(tg.tensor(v.numpy())), theirs.log_prob(v))
    tg.manual_seed(3)
    s = ours.sample((20000,))
    assert tuple(s.shape) == (20000, 3, 4, 4) and bool(D.constraints.corr_cholesky.check(s).all())
    corr = (s @ s.mT).numpy()
    # Every off-diagonal correlation of LKJ(eta) in dim d is 2 Beta(b, b) - 1, b = eta - 1 + d / 2:
    # variance 1 / (2b + 1), the same for all pairs. (PyTorch's onion sampler misses this for the
    # pairs in rows 2 and 3, so samples are not compared with its.)
    b = conc - 1 + 4 / 2
    for i, j in ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)):
        np.testing.assert_allclose(corr[:, :, i, j].var(0), 1 / (2 * b + 1), rtol=0.06)
        np.testing.assert_allclose(corr[:, :, i, j].mean(0), 0, atol=0.02)
    assert tuple(ours.expand((2, 3)).sample().shape) == (2, 3, 4, 4)
    with pytest.raises(ValueError, match="dim to be an integer greater than or equal to 2"):
        D.LKJCholesky(1)


def test_wishart_matches_torch():
    a = rng.normal(size=(2, 3, 3))
    cov = a @ a.transpose(0, 2, 1) + 3 * np.eye(3)
    df = np.array([4.0, 7.5])
    for kw, m in (("covariance_matrix", cov), ("precision_matrix", cov), ("scale_tril", np.linalg.cholesky(cov))):
        ours = D.Wishart(both(df)[0], **{kw: both(m)[0]})
        theirs = TD.Wishart(both(df)[1], **{kw: both(m)[1]})
        x = theirs.sample((4,))
        close(ours.log_prob(tg.tensor(x.numpy())), theirs.log_prob(x), 1e-8)
        close(ours.entropy(), theirs.entropy())
        close(ours.mean, theirs.mean)
        close(ours.variance, theirs.variance, 1e-8)
        close(ours.mode, theirs.mode)
        close(ours.precision_matrix, theirs.precision_matrix)
    tg.manual_seed(4)
    w = D.Wishart(tg.tensor(df), covariance_matrix=tg.tensor(cov))
    samples = w.rsample((40000,))
    assert bool(D.constraints.positive_definite.check(samples).all())
    np.testing.assert_allclose(samples.mean(0).numpy(), w.mean.numpy(), rtol=0.03, atol=0.05 * np.abs(cov).max())
    d = tg.tensor(df).requires_grad_()
    D.Wishart(d, scale_tril=tg.tensor(np.linalg.cholesky(cov))).rsample((3,)).sum().backward()
    assert np.isfinite(d.grad.numpy()).all()
    with pytest.raises(ValueError, match="df must be greater than p - 1 = 2"):
        D.Wishart(tg.tensor([1.0]), covariance_matrix=tg.eye(3))
    with pytest.raises(ValueError, match="covariance_matrix"):
        D.Wishart(5.0, covariance_matrix=-tg.eye(3))


def test_corr_cholesky_transform_and_utils_match_torch():
    from tapegrad.distributions import utils
    import torch.distributions.utils as tutils
    x = rng.normal(size=(2, 6))
    ours, theirs = D.transforms.CorrCholeskyTransform(), TD.transforms.CorrCholeskyTransform()
    y, y_torch = ours(tg.tensor(x)), theirs(torch.tensor(x))
    close(y, y_torch)
    close(ours.inv(y), torch.tensor(x), 1e-12)
    close(ours.log_abs_det_jacobian(tg.tensor(x), y), theirs.log_abs_det_jacobian(torch.tensor(x), y_torch))
    assert ours.forward_shape((2, 6)) == (2, 4, 4) and ours.inverse_shape((2, 4, 4)) == (2, 6)
    assert isinstance(D.biject_to(D.constraints.corr_cholesky), D.transforms.CorrCholeskyTransform)
    v = np.arange(10.0)
    close(utils.vec_to_tril_matrix(tg.tensor(v)), tutils.vec_to_tril_matrix(torch.tensor(v)))
    close(utils.vec_to_tril_matrix(tg.tensor(v[:6]), -1), tutils.vec_to_tril_matrix(torch.tensor(v[:6]), -1))
    m = rng.normal(size=(3, 4, 4))
    close(utils.tril_matrix_to_vec(tg.tensor(m), -1), tutils.tril_matrix_to_vec(torch.tensor(m), -1))
    p = rng.uniform(size=(3, 5))
    close(utils.probs_to_logits(tg.tensor(p), True), tutils.probs_to_logits(torch.tensor(p), True))
    close(utils.logits_to_probs(tg.tensor(p)), tutils.logits_to_probs(torch.tensor(p)))


def test_exponential_family_and_torch_module_paths():
    from tapegrad.distributions.exp_family import ExponentialFamily
    from tapegrad.distributions.normal import Normal
    from tapegrad.distributions.one_hot_categorical import OneHotCategoricalStraightThrough
    assert Normal is D.Normal and OneHotCategoricalStraightThrough is D.OneHotCategoricalStraightThrough
    assert D.wishart.Wishart is D.Wishart and D.studentT.StudentT is D.StudentT

    class NaturalNormal(ExponentialFamily):  # Normal written by its natural parameters only
        def __init__(self, loc, scale):
            self.loc, self.scale = loc, scale
            super().__init__(loc.shape, ())

        @property
        def _natural_params(self):
            return self.loc / self.scale ** 2, -0.5 / self.scale ** 2

        def _log_normalizer(self, x, y):
            return -0.25 * x * x / y + 0.5 * (-np.pi / y).log()

        @property
        def _mean_carrier_measure(self):
            return 0

    (la, sa), (lb, sb) = both(LOC[0]), both(SCALE[0])
    (lc, sc), (ld, sd) = both(LOC[1]), both(SCALE[1])
    close(NaturalNormal(la, lb).entropy(), TD.Normal(sa, sb).entropy())
    close(D.kl_divergence(NaturalNormal(la, lb), NaturalNormal(lc, ld)),
          TD.kl_divergence(TD.Normal(sa, sb), TD.Normal(sc, sd)))


def test_every_kl_pair_of_pytorch_matches():
    """Each pair torch.distributions registers, on parameters that reach the infinite branches too."""
    params = {
        "Bernoulli": lambda m, t: m.Bernoulli(probs=t([0.2, 0.5, 0.9])),
        "Beta": lambda m, t: m.Beta(t([0.7, 2.0, 5.0]), t([1.5, 0.6, 3.0])),
        "Binomial": lambda m, t: m.Binomial(5, probs=t([0.3, 0.5, 0.8])),
        "ContinuousBernoulli": lambda m, t: m.ContinuousBernoulli(probs=t([0.2, 0.5, 0.85])),
        "Exponential": lambda m, t: m.Exponential(t([0.5, 1.0, 3.0])),
        "Gamma": lambda m, t: m.Gamma(t([0.8, 2.0, 4.5]), t([1.5, 0.7, 2.0])),
        "Gumbel": lambda m, t: m.Gumbel(t([-0.5, 0.2, 1.0]), t([0.5, 1.0, 2.0])),
        "Laplace": lambda m, t: m.Laplace(t([-0.5, 0.2, 1.0]), t([0.5, 1.0, 2.0])),
        "Normal": lambda m, t: m.Normal(t([0.3, -1.0, 2.0]), t([0.6, 1.5, 0.9])),
        "Pareto": lambda m, t: m.Pareto(t([0.5, 1.0, 2.0]), t([0.8, 1.5, 3.0])),
        "Poisson": lambda m, t: m.Poisson(t([0.5, 2.0, 4.0])),
        "Uniform": lambda m, t: m.Uniform(t([0.1, -0.5, 0.2]), t([0.7, 0.5, 2.0])),
        "LowRankMultivariateNormal": lambda m, t: m.LowRankMultivariateNormal(
            t([[0.1, -0.2, 0.3]] * 2), t([[[0.5], [0.2], [-0.3]]] * 2), t([[1.0, 0.5, 2.0]] * 2)),
        "MultivariateNormal": lambda m, t: m.MultivariateNormal(
            t([[0.4, 0.0, -0.1]] * 2), t([[[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 1.5]]] * 2)),
    }

    def ours_t(v):
        return tg.tensor(np.asarray(v, dtype=np.float64))

    def theirs_t(v):
        return torch.tensor(np.asarray(v, dtype=np.float64))

    checked = 0
    for tp, tq in torch.distributions.kl._KL_REGISTRY:
        if tp.__name__ not in params or tq.__name__ not in params:
            continue
        p, q = params[tp.__name__], params[tq.__name__]
        ours = D.kl_divergence(p(D, ours_t), q(D, ours_t))
        theirs = TD.kl_divergence(p(TD, theirs_t), q(TD, theirs_t))
        np.testing.assert_allclose(np.asarray(ours.detach()), theirs.numpy(), rtol=1e-9, atol=1e-9,
                                   err_msg=f"{tp.__name__} || {tq.__name__}")
        checked += 1
    assert checked >= 75
