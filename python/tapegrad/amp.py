"""tg.amp: autocast regions (torch.autocast) and GradScaler for float16 training.

Inside ``with tg.autocast("cuda"):`` (or "cpu") matrix products, linear layers and convolutions
run in float16 or bfloat16 on that device's tensors, while softmax, log_softmax, the losses built
on them and the normalisations run in float32; the casts are recorded, so gradients reach
float32 parameters in float32. A region is also a decorator."""
import functools as _functools

from . import _C
from ._C.amp import get_autocast_dtype, is_autocast_enabled  # noqa: F401

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype"]


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
