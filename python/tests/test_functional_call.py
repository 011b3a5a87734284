"""tg.func.functional_call: a module run with other tensors in place of its own (fast weights,
ensembles), as torch.func.functional_call."""
import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.func import functional_call


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(tg.tensor(2.0))

    def forward(self, x, shift=0.0):
        return self.fc(x) * self.scale + shift


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.head = nn.Linear(3, 5, bias=False)
        self.head.weight = self.emb.weight

    def forward(self, tokens):
        return self.head(self.emb(tokens))


def test_runs_with_the_given_tensors_and_restores_the_module():
    model = Scaled()
    weight, bias, scale = model.fc.weight, model.fc.bias, model.scale
    x = tg.randn(4, 3)
    w2, b2 = tg.randn(2, 3), tg.randn(2)
    out = functional_call(model, {"fc.weight": w2, "fc.bias": b2, "scale": tg.tensor(3.0)}, (x,), {"shift": 1.0})
    assert tg.allclose(out, (x @ w2.t() + b2) * 3 + 1, atol=1e-6)
    assert model.fc.weight is weight and model.fc.bias is bias and model.scale is scale
    assert tg.allclose(model(x), (x @ weight.t() + bias) * scale, atol=1e-6)
    assert [n for n, _ in model.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    # Partial: the rest are the module's own; a single argument need not be a tuple.
    assert tg.allclose(functional_call(model, {"scale": tg.tensor(1.0)}, x), model.fc(x), atol=1e-6)
    assert tg.allclose(functional_call(model, [{"fc.weight": w2}, {"fc.bias": b2}], (x,)),
                       (x @ w2.t() + b2) * scale, atol=1e-6)


def test_fast_weights_carry_second_order_gradients():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    x, y = tg.randn(8, 2), tg.randn(8, 1)
    params = dict(model.named_parameters())
    inner = (model(x) - y).pow(2).mean()
    grads = tg.autograd.grad(inner, list(params.values()), create_graph=True)
    fast = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads)}
    outer = (functional_call(model, fast, (x,)) - y).pow(2).mean()
    outer.backward()
    assert all(p.grad is not None for p in model.parameters())
    # A finite difference through the whole inner step agrees with the gradient.
    p = model[0].weight
    eps = 1e-3

    def outer_loss():
        with tg.enable_grad():
            ps = dict(model.named_parameters())
            inner = (model(x) - y).pow(2).mean()
            gs = tg.autograd.grad(inner, list(ps.values()))
            fw = {n: q - 0.1 * g for (n, q), g in zip(ps.items(), gs)}
            return (functional_call(model, fw, (x,)) - y).pow(2).mean().item()

    with tg.no_grad():
        p[0, 0] += eps
    up = outer_loss()
    with tg.no_grad():
        p[0, 0] -= 2 * eps
    down = outer_loss()
    with tg.no_grad():
        p[0, 0] += eps
    assert abs((up - down) / (2 * eps) - p.grad[0, 0].item()) < 1e-3


def test_ties_buffers_and_errors():
    model = Tied()
    tokens = tg.tensor([0, 3])
    w = tg.randn(5, 3)
    out = functional_call(model, {"emb.weight": w}, (tokens,))
    assert tg.allclose(out, w[tokens] @ w.t(), atol=1e-6)  # the head's tied weight follows
    untied = functional_call(model, {"emb.weight": w}, (tokens,), tie_weights=False)
    assert tg.allclose(untied, w[tokens] @ model.head.weight.t(), atol=1e-6)
    with pytest.raises(ValueError, match="which are tied"):
        functional_call(model, {"emb.weight": w, "head.weight": w.clone()}, (tokens,))
    bn = nn.BatchNorm1d(2)
    mean = tg.zeros(2)
    functional_call(bn, {"running_mean": mean}, (tg.tensor([[1.0, 2.0], [3.0, 4.0]]),))
    assert tg.allclose(mean, tg.tensor([0.2, 0.3])) and tg.equal(bn.running_mean, tg.zeros(2))
    with pytest.raises(RuntimeError, match="Unexpected key\\(s\\): 'fc.scale'"):
        functional_call(Scaled(), {"fc.scale": tg.ones(1)}, (tg.ones(1, 3),))
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'fc.weight', 'fc.bias'"):
        functional_call(Scaled(), {"scale": tg.ones(())}, (tg.ones(1, 3),), strict=True)
    with pytest.raises(TypeError, match="scale must be a tensor, got float"):
        functional_call(Scaled(), {"scale": 1.0}, (tg.ones(1, 3),))
    model = Scaled()
    weight = model.fc.weight
    with pytest.raises(RuntimeError):
        functional_call(model, {"fc.weight": tg.ones(2, 5)}, (tg.ones(1, 3),))  # the forward fails
    assert model.fc.weight is weight and tg.nn.utils.stateless.functional_call is functional_call
