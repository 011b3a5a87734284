"""Lazy modules (sizes from the first input) and nn.Buffer."""
import copy

import pytest

import tapegrad as tg
from tapegrad import nn


def test_lazy_linear_materializes_in_place():
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    params = list(model.parameters())
    assert all(isinstance(p, nn.UninitializedParameter) for p in params)
    assert model[0].has_uninitialized_params() and "in_features=0" in repr(model)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)  # made before the first forward
    x = tg.randn(5, 3)
    out = model(x)
    assert out.shape == (5, 2) and model[0].in_features == 3
    assert [tuple(p.shape) for p in model.parameters()] == [(4, 3), (4,), (2, 4), (2,)]
    assert all(type(p) is nn.Parameter for p in model.parameters())
    assert all(a is b for a, b in zip(model.parameters(), params))  # the same objects
    assert tg.allclose(out, nn.functional.linear(tg.relu(nn.functional.linear(x, model[0].weight, model[0].bias)),
                                                 model[2].weight, model[2].bias), atol=1e-6)
    before = model[0].weight.clone()
    out.sum().backward()
    opt.step()
    assert not tg.equal(model[0].weight, before)
    assert tg.allclose(model(x), nn.functional.linear(tg.relu(nn.functional.linear(x, model[0].weight,
                                                      model[0].bias)), model[2].weight, model[2].bias), atol=1e-6)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    copied = copy.deepcopy(model)
    assert tg.allclose(copied(x), model(x)) and copied[0].weight is not model[0].weight
    assert "in_features=3, out_features=4" in repr(model)


def test_lazy_conv_and_norm():
    conv = nn.LazyConv2d(6, 3, padding=1, bias=False)
    bn = nn.LazyBatchNorm2d()
    x = tg.randn(2, 4, 5, 5)
    y = bn(conv(x))
    assert conv.weight.shape == (6, 4, 3, 3) and conv.in_channels == 4 and y.shape == (2, 6, 5, 5)
    assert bn.num_features == 6 and bn.running_mean.shape == (6,) and bn.num_batches_tracked.item() == 1
    assert tg.allclose(bn.running_mean, 0.1 * conv(x).mean(dim=[0, 2, 3]), atol=1e-5)
    bn.eval()
    z = conv(x)
    expected = (z - bn.running_mean.reshape(1, 6, 1, 1)) / tg.sqrt(bn.running_var.reshape(1, 6, 1, 1) + 1e-5)
    assert tg.allclose(bn(z), expected * bn.weight.reshape(1, 6, 1, 1) + bn.bias.reshape(1, 6, 1, 1), atol=1e-5)
    deconv = nn.LazyConvTranspose1d(3, 2, stride=2)
    assert deconv(tg.randn(1, 5, 4)).shape == (1, 3, 8) and deconv.weight.shape == (5, 3, 2)
    inorm = nn.LazyInstanceNorm1d()
    assert inorm(tg.randn(3, 7)).shape == (3, 7) and inorm.num_features == 3  # unbatched: channels first
    # torch's Lazy instance norms default to affine and tracking, unlike InstanceNorm's own defaults
    assert inorm.affine and inorm.track_running_stats and inorm.weight.shape == (3,)
    assert repr(nn.LazyInstanceNorm2d()) == ("LazyInstanceNorm2d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                                             "track_running_stats=True)")
    weight_only = nn.LazyBatchNorm1d(bias=False)
    assert "bias=False" in repr(weight_only)
    weight_only(tg.randn(4, 5))
    assert weight_only.bias is None and [n for n, _ in weight_only.named_parameters()] == ["weight"]
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to LazyConv2d"):
        nn.LazyConv2d(2, 1)(tg.randn(4, 4))


def test_buffer_assignment_registers_a_buffer():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.steps = nn.Buffer(tg.zeros((), dtype=tg.int64))
            self.cache = nn.Buffer(tg.ones(2), persistent=False)

    m = Counter()
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    assert list(m.state_dict()) == ["steps"]
    assert not m.steps.requires_grad and isinstance(m.steps, nn.Buffer)
    m.steps = nn.Buffer(tg.tensor(5))
    assert m.steps.item() == 5 and list(m.state_dict()) == ["steps"]
    m.child = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="cannot assign a Buffer to 'child', a submodule"):
        m.child = nn.Buffer(tg.ones(1))
