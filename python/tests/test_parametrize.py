"""Parametrizations (tg.nn.utils.parametrize), weight_norm and spectral_norm in both of PyTorch's
forms, on C++ layers (whose forward reads a bound member) and on Python modules."""
import copy
import math

import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn.utils import parametrizations, parametrize


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)

    def right_inverse(self, a):
        return a.triu()


class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


class Affine(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(tg.randn(3, 3))

    def forward(self, x):
        return x @ self.weight


def test_a_cpp_layer_computes_its_weight_from_the_original():
    layer = nn.Linear(3, 3)
    original = layer.weight
    opt = tg.optim.SGD(layer.parameters(), lr=0.1)  # made before: still holds the original
    parametrize.register_parametrization(layer, "weight", Symmetric())
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert layer.parametrizations.weight.original is original
    assert [n for n, _ in layer.named_parameters()] == ["bias", "parametrizations.weight.original"]
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = layer.weight
    assert tg.equal(w, w.t())
    x = tg.randn(4, 3)
    assert tg.allclose(layer(x), x @ w.t() + layer.bias)
    layer(x).sum().backward()
    assert original.grad is not None
    expected = (tg.ones(4, 3).t() @ x).triu()  # d/d original of sum(x @ sym(original)^T)
    expected = expected + (tg.ones(4, 3).t() @ x).tril(-1).t()
    assert tg.allclose(original.grad, expected, atol=1e-5)
    opt.step()
    assert tg.equal(layer.weight, layer.weight.t())  # still symmetric after the update
    # Assigning goes through right_inverse.
    target = tg.arange(9.0).reshape(3, 3)
    layer.weight = target + target.t()
    assert tg.allclose(layer.weight, target + target.t())
    # Chained parametrizations apply in order.
    parametrize.register_parametrization(layer, "weight", Scale(2.0))
    assert len(layer.parametrizations.weight) == 2
    assert tg.allclose(layer(x), x @ (2 * (target + target.t())).t() + layer.bias)
    with parametrize.cached():
        assert layer.weight is layer.weight
    parametrize.remove_parametrizations(layer, "weight")
    assert not parametrize.is_parametrized(layer) and not hasattr(layer, "parametrizations")
    assert layer.weight is original and isinstance(layer.weight, nn.Parameter)
    assert tg.allclose(layer.weight, 2 * (target + target.t()))
    assert tg.allclose(layer(x), x @ layer.weight.t() + layer.bias)
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight"]


def test_python_modules_and_errors():
    model = Affine()
    parametrize.register_parametrization(model, "weight", Symmetric())
    x = tg.randn(2, 3)
    assert tg.equal(model.weight, model.weight.t())
    assert tg.allclose(model(x), x @ model.weight)
    copied = copy.deepcopy(model)
    assert parametrize.is_parametrized(copied, "weight")
    assert copied.parametrizations.weight.original is not model.parametrizations.weight.original
    assert tg.allclose(copied(x), model(x))
    parametrize.remove_parametrizations(model, "weight", leave_parametrized=False)
    assert not tg.equal(model.weight, model.weight.t())  # the original: its lower triangle is zero
    assert tg.equal(model.weight, model.weight.triu())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name"):
        parametrize.register_parametrization(nn.Linear(2, 2), "scale", Symmetric())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(nn.Linear(2, 2), "weight")
    with pytest.raises(ValueError, match="may not change the dtype or shape"):
        parametrize.register_parametrization(nn.Linear(3, 2), "weight", Scale(tg.ones(2, 1, 1)))


def test_weight_norm_both_forms():
    conv = nn.Conv2d(2, 4, 3)
    weight = conv.weight.clone()
    parametrizations.weight_norm(conv)
    g = conv.parametrizations.weight.original0
    v = conv.parametrizations.weight.original1
    assert g.shape == (4, 1, 1, 1) and tg.allclose(conv.weight, weight, atol=1e-6)
    assert list(conv.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    with tg.no_grad():
        g.mul_(2)
    x = tg.randn(1, 2, 5, 5)
    assert tg.allclose(conv(x), tg.nn.functional.conv2d(x, 2 * weight, conv.bias), atol=1e-5)
    conv(x).sum().backward()
    assert g.grad is not None and v.grad is not None
    lin = nn.Linear(3, 2)
    w = lin.weight.clone()
    nn.utils.weight_norm(lin, dim=None)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight_g", "weight_v"]
    assert lin.weight_g.dim() == 0 and math.isclose(lin.weight_g.item(), w.norm().item(), rel_tol=1e-6)
    with tg.no_grad():
        lin.weight_g.fill_(1.0)
    assert math.isclose(lin.weight.norm().item(), 1.0, rel_tol=1e-5)
    x = tg.randn(4, 3)
    assert tg.allclose(lin(x), x @ lin.weight.t() + lin.bias, atol=1e-6)
    with pytest.raises(AttributeError, match="Linear.weight is computed by weight_norm"):
        lin.weight = nn.Parameter(tg.ones(2, 3))
    nn.utils.remove_weight_norm(lin)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight"]
    assert math.isclose(lin.weight.norm().item(), 1.0, rel_tol=1e-5)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(lin)


def test_spectral_norm_both_forms():
    tg.manual_seed(0)
    lin = nn.Linear(6, 5)
    parametrizations.spectral_norm(lin)
    sigma = tg.linalg.matrix_norm(lin.weight, ord=2).item()
    assert math.isclose(sigma, 1.0, rel_tol=1e-3)  # 15 iterations at registration, one more per forward
    assert sorted(lin.state_dict()) == ["bias", "parametrizations.weight.0._u", "parametrizations.weight.0._v",
                                        "parametrizations.weight.original"]
    # u starts away from the converged vector, which one more iteration could leave bit for bit.
    with tg.no_grad():
        lin.parametrizations.weight[0]._u.copy_(nn.functional.normalize(tg.randn(5), dim=0))
    u = lin.parametrizations.weight[0]._u.clone()
    lin(tg.randn(2, 6)).sum().backward()
    assert lin.parametrizations.weight.original.grad is not None
    lin.eval()
    u_eval = lin.parametrizations.weight[0]._u.clone()
    assert not tg.equal(u, u_eval)  # training forward iterated
    lin(tg.randn(2, 6))
    assert tg.equal(lin.parametrizations.weight[0]._u, u_eval)  # evaluation does not
    conv = nn.ConvTranspose2d(3, 4, 2)
    nn.utils.spectral_norm(conv, n_power_iterations=30)
    assert sorted(n for n, _ in conv.named_buffers()) == ["weight_u", "weight_v"]
    assert conv.weight_u.shape == (4,)  # dim 1 for transposed convolutions
    conv(tg.randn(1, 3, 3, 3))
    matrix = conv.weight.permute(1, 0, 2, 3).flatten(1)
    assert math.isclose(tg.linalg.matrix_norm(matrix, ord=2).item(), 1.0, rel_tol=1e-3)
    nn.utils.remove_spectral_norm(conv)
    assert [n for n, _ in conv.named_parameters()] == ["bias", "weight"]
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


def test_weight_norm_matches_torch():
    torch = pytest.importorskip("torch")
    t_lin = torch.nn.Linear(4, 3)
    lin = nn.Linear(4, 3)
    with tg.no_grad():
        lin.weight.copy_(tg.tensor(t_lin.weight.detach().tolist()))
        lin.bias.copy_(tg.tensor(t_lin.bias.detach().tolist()))
    torch.nn.utils.parametrizations.weight_norm(t_lin, dim=1)
    parametrizations.weight_norm(lin, dim=1)
    assert list(lin.state_dict()) == list(t_lin.state_dict())
    x = [[0.5, -1.0, 2.0, 0.25], [1.0, 0.0, -0.5, 3.0]]
    t_out = t_lin(torch.tensor(x))
    out = lin(tg.tensor(x))
    assert tg.allclose(out, tg.tensor(t_out.tolist()), atol=1e-5)
    t_out.pow(2).sum().backward()
    out.pow(2).sum().backward()
    for name in ("original0", "original1"):
        expected = getattr(t_lin.parametrizations.weight, name).grad
        assert tg.allclose(getattr(lin.parametrizations.weight, name).grad, tg.tensor(expected.tolist()), atol=1e-4)


def test_orthogonal_keeps_the_weight_orthogonal():
    for shape, kind in (((4, 4), "matrix_exp"), ((5, 3), "cayley"), ((3, 5), "householder"), ((4, 4), "householder")):
        lin = nn.Linear(shape[1], shape[0], dtype=tg.float64)
        parametrizations.orthogonal(lin, orthogonal_map=kind)
        assert parametrize.is_parametrized(lin, "weight")
        w = lin.weight if shape[0] >= shape[1] else lin.weight.mT
        assert tg.allclose(w.mT @ w, tg.eye(min(shape), dtype=tg.float64), atol=1e-10)
        assert list(lin.state_dict()) == ["bias", "parametrizations.weight.original", "parametrizations.weight.0.base"]
        # Training moves the original; the weight stays orthogonal.
        opt = tg.optim.SGD(lin.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            lin(tg.randn(2, shape[1], dtype=tg.float64)).pow(2).sum().backward()
            opt.step()
        w = lin.weight if shape[0] >= shape[1] else lin.weight.mT
        assert tg.allclose(w.mT @ w, tg.eye(min(shape), dtype=tg.float64), atol=1e-10)
        # Assigning an orthogonal matrix keeps it.
        q, _ = tg.linalg.qr(tg.randn(max(shape), min(shape), dtype=tg.float64))
        target = q if shape[0] >= shape[1] else q.mT
        lin.weight = target
        assert tg.allclose(lin.weight, target, atol=1e-10)
    no_base = parametrizations.orthogonal(nn.Linear(3, 4), orthogonal_map="householder", use_trivialization=False)
    assert list(no_base.state_dict()) == ["bias", "parametrizations.weight.original"]
    q, _ = tg.linalg.qr(tg.randn(4, 3))
    no_base.weight = q
    assert tg.allclose(no_base.weight, q, atol=1e-5)
    with pytest.raises(NotImplementedError, match="use_trivialization=False"):
        parametrizations.orthogonal(nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions"):
        parametrizations.orthogonal(nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        parametrizations.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        parametrizations.orthogonal(nn.Linear(3, 3), "kernel")
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape \(3, 3\)"):
        lin = parametrizations.orthogonal(nn.Linear(3, 3))
        lin.weight = tg.eye(4)


@pytest.mark.parametrize("kind", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_matches_torch(kind):
    torch = pytest.importorskip("torch")
    shape = (5, 3) if kind != "matrix_exp" else (4, 4)
    t_lin = torch.nn.Linear(shape[1], shape[0]).double()
    torch.nn.utils.parametrizations.orthogonal(t_lin, orthogonal_map=kind)
    lin = parametrizations.orthogonal(nn.Linear(shape[1], shape[0], dtype=tg.float64), orthogonal_map=kind)
    # The same original (moved off -I so the map does work) and base as torch's.
    with torch.no_grad():
        t_lin.parametrizations.weight.original.add_(0.3 * torch.randn(shape, dtype=torch.float64))
    with tg.no_grad():
        for name, value in t_lin.state_dict().items():
            lin.state_dict()[name].copy_(tg.tensor(value.tolist(), dtype=tg.float64))
    assert tg.allclose(lin.weight, tg.tensor(t_lin.weight.tolist(), dtype=tg.float64), atol=1e-10)
    x = [[0.5, -1.0, 2.0, 0.25][: shape[1]], [1.0, 0.0, -0.5, 3.0][: shape[1]]]
    t_lin(torch.tensor(x, dtype=torch.float64)).pow(2).sum().backward()
    lin(tg.tensor(x, dtype=tg.float64)).pow(2).sum().backward()
    expected = t_lin.parametrizations.weight.original.grad
    assert tg.allclose(lin.parametrizations.weight.original.grad, tg.tensor(expected.tolist(), dtype=tg.float64),
                       atol=1e-9)
