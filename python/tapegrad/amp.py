"""tg.amp: autocast regions (torch.autocast) and GradScaler for float16 training.

Inside ``with tg.autocast("cuda"):`` (or "cpu") matrix products, linear layers and convolutions
run in float16 or bfloat16 on that device's tensors, while softmax, log_softmax, the losses built
on them and the normalisations run in float32; the casts are recorded, so gradients reach
float32 parameters in float32. A region is also a decorator."""
import functools as _functools

from . import _C
from ._C.amp import get_autocast_dtype, is_autocast_enabled  # noqa: F401

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype", "is_autocast_available",
           "custom_fwd", "custom_bwd"]


def is_autocast_available(device_type):
    """Whether autocast regions exist for this device type: "cpu" and "cuda"."""
    return device_type in ("cpu", "cuda")


class autocast:
    """``autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``: dtype defaults to
    float16 on "cuda" and bfloat16 on "cpu", as in PyTorch."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if dtype is None:
            dtype = _C.float16 if device_type == "cuda" else _C.bfloat16
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, enabled
        self._region = _C.amp._AutocastRegion(device_type, dtype, enabled)

    def __enter__(self):
        self._region.__enter__()
        return self

    def __exit__(self, *exc):
        return self._region.__exit__(*exc)

    def __call__(self, fn):
        @_functools.wraps(fn)
        def in_region(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return in_region


def _map_tensors(fn, obj):
    if isinstance(obj, _C.Tensor):
        return fn(obj)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_map_tensors(fn, o) for o in obj)
    if isinstance(obj, dict):
        return {k: _map_tensors(fn, v) for k, v in obj.items()}
    raise TypeError(f"GradScaler.scale: expected tensors, got {type(obj).__name__}")


class GradScaler(_C.amp.GradScaler):
    """``GradScaler(device="cuda", init_scale=2.**16, growth_factor=2., backoff_factor=.5,
    growth_interval=2000, enabled=True)``: scale the loss, step through the scaler, update.
    Without a CUDA device a "cuda" scaler passes everything through, as PyTorch's does."""

    def scale(self, outputs):
        return _map_tensors(super().scale, outputs)

    def step(self, optimizer, *args, **kwargs):
        """Unscales (unless unscale_ did), then steps unless a gradient is inf or NaN."""
        if args or kwargs:
            raise TypeError("GradScaler.step: closures are not supported (as in PyTorch's scaler)")
        return optimizer.step() if self._should_step(optimizer) else None

    def update(self, new_scale=None):
        super().update()
        if new_scale is not None:
            self._load_state(float(new_scale), self._get_growth_tracker())

    def state_dict(self):
        if not self.is_enabled():
            return {}
        return {"scale": self.get_scale(), "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self.is_enabled():
            return
        if "scale" not in state_dict:
            raise RuntimeError("GradScaler.load_state_dict: the state_dict is empty (saved from a disabled scaler)")
        scale = state_dict["scale"]
        self._load_state(float(scale.item() if isinstance(scale, _C.Tensor) else scale),
                         int(state_dict.get("_growth_tracker", 0)))


def _cast_floats(obj, device_type, dtype):
    if isinstance(obj, _C.Tensor):
        return obj.to(dtype) if obj.is_floating_point() and obj.device.type == device_type else obj
    if isinstance(obj, (list, tuple)):
        return type(obj)(_cast_floats(o, device_type, dtype) for o in obj)
    if isinstance(obj, dict):
        return {k: _cast_floats(v, device_type, dtype) for k, v in obj.items()}
    return obj


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """For the forward(ctx, ...) of a custom autograd Function: with `cast_inputs`, inside an
    autocast region of `device_type` its floating-point tensors on that device are cast to
    cast_inputs and it runs with autocast off; without, it runs in the region as it is. Either way
    custom_bwd's backward runs in the autocast state forward ran in."""
    if not is_autocast_available(device_type):
        raise ValueError(f"custom_fwd: no autocast for device type {device_type!r}")
    if fwd is None:
        return _functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @_functools.wraps(fwd)
    def decorate_fwd(ctx, *args, **kwargs):
        ctx._fwd_used_autocast = is_autocast_enabled(device_type)
        ctx._autocast_dtype = get_autocast_dtype(device_type)
        if cast_inputs is None or not ctx._fwd_used_autocast:
            return fwd(ctx, *args, **kwargs)
        with autocast(device_type, enabled=False):
            return fwd(ctx, *_cast_floats(args, device_type, cast_inputs),
                       **_cast_floats(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """For the backward(ctx, ...) of a Function whose forward has custom_fwd: it runs in the
    autocast state (enabled or not, and the dtype) that forward ran in."""
    if not is_autocast_available(device_type):
        raise ValueError(f"custom_bwd: no autocast for device type {device_type!r}")
    if bwd is None:
        return _functools.partial(custom_bwd, device_type=device_type)

    @_functools.wraps(bwd)
    def decorate_bwd(ctx, *args, **kwargs):
        if not hasattr(ctx, "_fwd_used_autocast"):
            raise RuntimeError("custom_bwd: the Function's forward needs custom_fwd too")
        with autocast(device_type, dtype=ctx._autocast_dtype, enabled=ctx._fwd_used_autocast):
            return bwd(ctx, *args, **kwargs)

    return decorate_bwd
