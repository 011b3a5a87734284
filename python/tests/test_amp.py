"""tg.amp from Python: autocast regions on the CPU (bfloat16, as PyTorch's CPU autocast) and the
gradient scaler's skip-and-adapt logic."""
import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn import functional as F


def test_autocast_region_runs_products_in_bfloat16_and_losses_in_float32():
    torch = pytest.importorskip("torch")
    w, b, x = np.random.randn(3, 4), np.random.randn(3), np.random.randn(5, 4)
    m = nn.Linear(4, 3)
    m.load_state_dict({"weight": tg.tensor(w.tolist()), "bias": tg.tensor(b.tolist())})
    tm = torch.nn.Linear(4, 3)
    tm.load_state_dict({"weight": torch.tensor(w, dtype=torch.float32), "bias": torch.tensor(b, dtype=torch.float32)})
    target = [0, 2, 1, 1, 0]
    with tg.autocast("cpu"):
        assert tg.is_autocast_enabled("cpu") and not tg.is_autocast_enabled("cuda")
        assert tg.get_autocast_dtype("cpu") == tg.bfloat16
        y = m(tg.tensor(x.tolist()))
        loss = F.cross_entropy(y, tg.tensor(target))
        with tg.autocast("cpu", enabled=False):  # a region may switch it off inside
            assert m(tg.tensor(x.tolist())).dtype == tg.float32
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ty = tm(torch.tensor(x, dtype=torch.float32))
        tloss = torch.nn.functional.cross_entropy(ty, torch.tensor(target))
    assert not tg.is_autocast_enabled("cpu")
    assert y.dtype == tg.bfloat16 and ty.dtype == torch.bfloat16 and loss.dtype == tg.float32
    np.testing.assert_allclose(np.asarray(y.float()), ty.float().detach().numpy(), rtol=2e-2, atol=2e-2)
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-2)
    loss.backward()
    tloss.backward()
    assert m.weight.grad.dtype == tg.float32
    np.testing.assert_allclose(np.asarray(m.weight.grad), tm.weight.grad.numpy(), rtol=5e-2, atol=5e-2)

    @tg.autocast("cpu", dtype=tg.bfloat16)
    def forward(inp):
        return m(inp)

    assert forward(tg.randn(2, 4)).dtype == tg.bfloat16 and m(tg.randn(2, 4)).dtype == tg.float32
    with pytest.raises(ValueError, match="dtype must be bfloat16 or float16, got float32"):
        tg.autocast("cpu", dtype=tg.float32)
    with pytest.raises(ValueError, match="device_type must be 'cpu' or 'cuda', got 'tpu'"):
        tg.autocast("tpu")


def test_grad_scaler_steps_skips_and_adapts():
    w = nn.Parameter(tg.tensor([1.0, -2.0]))
    opt = tg.optim.SGD([w], lr=0.5)
    scaler = tg.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    for step in range(2):
        opt.zero_grad()
        scaler.scale((w * w).sum()).backward()
        if step == 0:
            assert w.grad.tolist() == [16.0, -32.0]  # scale 8 times the gradient 2w
        scaler.step(opt)
        scaler.update()
    # Unscaled gradients (2w) gave the plain SGD steps: w <- w - 0.5 * 2w = 0.
    assert w.tolist() == [0.0, 0.0]
    assert scaler.get_scale() == 16.0  # grew after growth_interval clean steps
    # An overflowed gradient skips the step and halves the scale.
    w.data = tg.tensor([1.0, 1.0])
    opt.zero_grad()
    scaler.scale(w.sum() * math.inf).backward()
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [1.0, 1.0] and scaler.get_scale() == 8.0
    scaled = scaler.scale([tg.ones(1), (tg.ones(2),)])
    assert scaled[0].tolist() == [8.0] and scaled[1][0].tolist() == [8.0, 8.0]
    state = scaler.state_dict()
    assert state == {"scale": 8.0, "_growth_tracker": 0}
    other = tg.amp.GradScaler("cpu")
    other.load_state_dict(state)
    assert other.get_scale() == 8.0
    other.update(new_scale=1024.0)
    assert other.get_scale() == 1024.0
    # A CUDA scaler without a GPU passes everything through, as PyTorch's does.
    from tapegrad.cuda.amp import GradScaler
    if not tg.cuda.is_available():
        off = GradScaler()
        assert not off.is_enabled() and off.state_dict() == {} and off.scale(tg.ones(1)).tolist() == [1.0]
    with pytest.raises(ValueError, match="growth_factor must be > 1"):
        tg.amp.GradScaler("cpu", growth_factor=0.5)
    with pytest.raises(TypeError, match="closures are not supported"):
        scaler.step(opt, lambda: 0)


def test_custom_fwd_casts_inputs_and_custom_bwd_replays_the_autocast_state():
    seen = {}

    class MatMul(tg.autograd.Function):
        @staticmethod
        @tg.amp.custom_fwd(device_type="cpu", cast_inputs=tg.float32)
        def forward(ctx, a, b):
            seen["forward"] = (a.dtype, b.dtype, tg.amp.is_autocast_enabled("cpu"))
            ctx.save_for_backward(a, b)
            return a.mm(b)

        @staticmethod
        @tg.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):
            seen["backward"] = (tg.amp.is_autocast_enabled("cpu"), tg.amp.get_autocast_dtype("cpu"))
            a, b = ctx.saved_tensors
            return grad.mm(b.t()), a.t().mm(grad)

    a = tg.randn(3, 4, dtype=tg.bfloat16, requires_grad=True)
    b = tg.randn(4, 2, requires_grad=True)
    with tg.autocast("cpu", dtype=tg.bfloat16):
        out = MatMul.apply(a, b)
    assert seen["forward"] == (tg.float32, tg.float32, False) and out.dtype == tg.float32
    out.sum().backward()
    assert seen["backward"] == (True, tg.bfloat16)  # as around forward's call
    assert a.grad.dtype == tg.bfloat16 and b.grad.dtype == tg.float32
    # Outside a region, no cast, and backward runs without autocast.
    out = MatMul.apply(a.detach().float().requires_grad_(), b)
    out.sum().backward()
    assert seen["backward"][0] is False
    with pytest.raises(ValueError, match="no autocast for device type 'tpu'"):
        tg.amp.custom_fwd(device_type="tpu")
    assert tg.amp.is_autocast_available("cuda") and not tg.amp.is_autocast_available("mps")
    assert tg.cuda.amp.custom_fwd(cast_inputs=tg.float16) is not None
