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
    with pytest.raises(NotImplementedError, match="Gamma has no reparameterized sampling"):
        D.Gamma(1.0, 1.0).rsample()
    with pytest.raises(ValueError, match="Expected parameter concentration"):
        D.Gamma(-1.0, 1.0)
