import pytest

import tapegrad as tg


def test_fake_quantize_per_tensor_rounds_half_to_even_and_clamps():
    x = tg.tensor([0.25, 0.75, -0.25, 1.6, 10.0, -10.0], requires_grad=True)
    # x / 0.5 = 0.5, 1.5, -0.5, 3.2, 20, -20; rounded half to even, plus zero point 2, within [0, 6]
    y = tg.fake_quantize_per_tensor_affine(x, 0.5, 2, 0, 6)
    assert y.tolist() == [0.0, 1.0, 0.0, 1.5, 2.0, -1.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]  # straight through, zero where clamped
    # tensor qparams, half inputs
    h = tg.fake_quantize_per_tensor_affine(x.detach().half(), tg.tensor(0.5), tg.tensor(2), 0, 6)
    assert h.dtype == tg.float16 and h.tolist() == y.tolist()


def test_fake_quantize_per_channel_uses_each_channels_qparams():
    x = tg.tensor([[0.3, 0.3], [-0.6, 5.0]], requires_grad=True)
    y = tg.fake_quantize_per_channel_affine(x, tg.tensor([0.2, 1.0]), tg.tensor([0, 1], dtype=tg.int32), 1, -4, 3)
    # column 0: x / 0.2 = 1.5, -3 (rounded 2, -3); column 1: x + 1 = 1.3, 6 -> 1, 3 (clamped)
    assert tg.allclose(y, tg.tensor([[0.4, 0.0], [-0.6, 2.0]]))
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 0.0]]


def test_fake_quantize_errors():
    x = tg.ones(2, 3)
    with pytest.raises(RuntimeError, match="`quant_min` should be less than or equal to `quant_max`"):
        tg.fake_quantize_per_tensor_affine(x, 0.1, 0, 5, 3)
    with pytest.raises(RuntimeError, match="`zero_point` must be between `quant_min` and `quant_max`"):
        tg.fake_quantize_per_tensor_affine(x, 0.1, 9, 0, 3)
    with pytest.raises(TypeError, match="input must be a floating-point tensor, got tapegrad.int64"):
        tg.fake_quantize_per_tensor_affine(tg.ones(2, dtype=tg.int64), 0.1, 0, 0, 3)
    scale, zp = tg.ones(3), tg.zeros(3, dtype=tg.int32)
    with pytest.raises(RuntimeError, match="must be 1-D with 2 elements"):
        tg.fake_quantize_per_channel_affine(x, scale, zp, 0, 0, 3)
    with pytest.raises(IndexError, match="axis 5 is out of range for a 2-D input"):
        tg.fake_quantize_per_channel_affine(x, scale, zp, 5, 0, 3)
    with pytest.raises(TypeError, match="zero_point must be an integer tensor"):
        tg.fake_quantize_per_channel_affine(x, scale, scale, 1, 0, 3)
    with pytest.raises(RuntimeError, match="`zero_point` must be between"):
        tg.fake_quantize_per_channel_affine(x, scale, zp + 7, 1, 0, 3)
