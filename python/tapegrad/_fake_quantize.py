"""fake_quantize_per_tensor_affine and fake_quantize_per_channel_affine, quantization-aware
training's rounding: each value quantized to an integer in [quant_min, quant_max] and mapped
back, ``(clamp(round(x / scale) + zero_point, quant_min, quant_max) - zero_point) * scale``,
with the gradient passed straight through where the value was in range and zero where it was
clamped. The arithmetic is torch's (x times the float reciprocal of the scale, rounded half to
even; the result rounded once to x's dtype), so results agree bit for bit."""
from . import _C
from .autograd.function import Function

__all__ = ["fake_quantize_per_channel_affine", "fake_quantize_per_tensor_affine"]


def _check_arguments(op, input, quant_min, quant_max):
    if not isinstance(input, _C.Tensor) or not input.is_floating_point():
        raise TypeError(f"{op}: input must be a floating-point tensor, got "
                        f"{input.dtype if isinstance(input, _C.Tensor) else type(input).__name__}")
    if quant_min > quant_max:
        raise RuntimeError(f"{op}: `quant_min` should be less than or equal to `quant_max`, got {quant_min} and "
                           f"{quant_max}")


def _work_dtype(x):
    # torch's kernels compute in float, or in double for double inputs
    return _C.float64 if x.dtype == _C.float64 else _C.float32


class _FakeQuantize(Function):
    @staticmethod
    def forward(ctx, x, scale, zero_point, quant_min, quant_max):
        # scale and zero_point: tensors broadcasting against x (float32 and int64)
        work = _work_dtype(x)
        q = (x.to(work) * scale.reciprocal().to(work)).round() + zero_point.to(work)
        mask = (q >= quant_min) & (q <= quant_max)
        out = ((q.clamp(quant_min, quant_max) - zero_point).double() * scale.double()).to(x.dtype)
        ctx.save_for_backward(mask)
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None, None, None


def fake_quantize_per_tensor_affine(input, scale, zero_point, quant_min, quant_max):
    """input quantized with one scale and zero point (numbers, or a float tensor and an int
    tensor of one element) and mapped back; the gradient is 1 where the value was in range."""
    op = "fake_quantize_per_tensor_affine"
    _check_arguments(op, input, quant_min, quant_max)
    scale = float(scale)
    zero_point = int(zero_point)
    if not quant_min <= zero_point <= quant_max:
        raise RuntimeError(f"{op}: `zero_point` must be between `quant_min` and `quant_max`, got {zero_point} not in "
                           f"[{quant_min}, {quant_max}]")
    s = _C.tensor(scale, dtype=_C.float32, device=input.device)
    z = _C.tensor(zero_point, dtype=_C.int64, device=input.device)
    return _FakeQuantize.apply(input, s, z, quant_min, quant_max)


def fake_quantize_per_channel_affine(input, scale, zero_point, axis, quant_min, quant_max):
    """input quantized with a scale and zero point per index of dim ``axis`` (1-D tensors of that
    dim's size; integer zero points) and mapped back; the gradient is 1 where the value was in
    range."""
    op = "fake_quantize_per_channel_affine"
    _check_arguments(op, input, quant_min, quant_max)
    if not isinstance(scale, _C.Tensor) or not isinstance(zero_point, _C.Tensor):
        raise TypeError(f"{op}: scale and zero_point must be tensors")
    if zero_point.is_floating_point() or zero_point.dtype == _C.bool:
        raise TypeError(f"{op}: zero_point must be an integer tensor, got {zero_point.dtype} (floating-point zero "
                        "points are not supported)")
    axis = axis + input.dim() if axis < 0 else axis
    if not 0 <= axis < input.dim():
        raise IndexError(f"{op}: axis {axis} is out of range for a {input.dim()}-D input")
    channels = input.shape[axis]
    if scale.dim() != 1 or zero_point.dim() != 1 or scale.numel() != channels or zero_point.numel() != channels:
        raise RuntimeError(f"{op}: scale and zero_point must be 1-D with {channels} elements (input's dim {axis}), "
                           f"got shapes {list(scale.shape)} and {list(zero_point.shape)}")
    if bool(((zero_point < quant_min) | (zero_point > quant_max)).any()):
        raise RuntimeError(f"{op}: `zero_point` must be between `quant_min` and `quant_max`")
    shape = [1] * input.dim()
    shape[axis] = channels
    s = scale.detach().to(device=input.device, dtype=_C.float32).reshape(shape)
    z = zero_point.to(device=input.device, dtype=_C.int64).reshape(shape)
    return _FakeQuantize.apply(input, s, z, quant_min, quant_max)
