"""tg.testing: assert_close, PyTorch's comparison of tensors (and numbers, and sequences or dicts
of them) with tolerances that default by dtype, and make_tensor, random test inputs."""
import math as _math

from . import _C

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) by dtype, PyTorch's defaults; integers and bools compare exactly.
_TOLERANCES = {_C.float16: (1e-3, 1e-5), _C.bfloat16: (1.6e-2, 1e-5), _C.float32: (1.3e-6, 1e-5),
               _C.float64: (1e-7, 1e-7), _C.complex64: (1.3e-6, 1e-5), _C.complex128: (1e-7, 1e-7)}


def _as_tensor(x):
    return x if isinstance(x, _C.Tensor) else _C.tensor(x)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """check_layout has nothing to check (every tensor is strided); check_stride compares strides."""
    if (rtol is None) != (atol is None):
        raise ValueError("assert_close: rtol and atol must both be given, or neither")
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                   check_stride=check_stride, msg=msg)
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            raise AssertionError(msg or f"assert_close: the keys differ: {sorted(map(str, actual))} vs "
                                        f"{sorted(map(str, expected))}")
        for k in expected:
            assert_close(actual[k], expected[k], **options)
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            raise AssertionError(msg or "assert_close: the sequences differ in length")
        for a, e in zip(actual, expected):
            assert_close(a, e, **options)
        return
    if not allow_subclasses and type(actual) is not type(expected):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")
    numbers = (bool, int, float, complex)
    if check_dtype and isinstance(actual, numbers) and isinstance(expected, numbers) and type(actual) is not type(
            expected):
        raise AssertionError(msg or f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    a, e = _as_tensor(actual), _as_tensor(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, _C.Tensor) and isinstance(expected, _C.Tensor) and a.dtype != e.dtype:
        raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}.")
    if check_device and a.device != e.device:
        raise AssertionError(msg or f"The values for attribute 'device' do not match: {a.device} != {e.device}.")
    if check_stride and a.stride() != e.stride():
        raise AssertionError(msg or f"The values for attribute 'stride()' do not match: {a.stride()} != {e.stride()}.")
    if rtol is None:
        rtol, atol = max(_TOLERANCES.get(a.dtype, (0.0, 0.0)), _TOLERANCES.get(e.dtype, (0.0, 0.0)))
    wide = _C.complex128 if a.is_complex() or e.is_complex() else _C.float64
    av, ev = a.detach().cpu().to(wide), e.detach().cpu().to(wide)
    close = _C.isclose(av, ev, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(close.all()):
        return
    bad = int((~close).sum())
    diff = (av - ev).abs()
    diff = _C.where(close, _C.zeros_like(diff), diff)
    worst = int(diff.flatten().argmax())
    rel = diff / ev.abs()
    rel = _C.where(close, _C.zeros_like(rel), rel)
    worst_rel = int(rel.flatten().argmax())
    index = list(_unravel(worst, a.shape))
    text = (f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {a.numel()} "
            f"({100.0 * bad / max(a.numel(), 1):.1f}%)\n"
            f"Greatest absolute difference: {float(diff.flatten()[worst])} at index {tuple(index)} "
            f"(up to {atol} allowed)\n"
            f"Greatest relative difference: {float(rel.flatten()[worst_rel])} at index "
            f"{tuple(_unravel(worst_rel, a.shape))} (up to {rtol} allowed)")
    raise AssertionError(msg or text)


def _unravel(flat, shape):
    out = []
    for n in reversed(tuple(shape)):
        out.append(flat % n if n else 0)
        flat //= max(n, 1)
    return tuple(reversed(out))


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A random tensor for a test, as torch.testing.make_tensor: floating and complex values
    uniform in [low, high] (each part of a complex number; -9 and 9 by default), integers in
    [low, high) (-9 and 10, clamped to the dtype's range), bools either way. `noncontiguous`
    gives a view with a stride of 2 in its last dim, `exclude_zero` replaces zeros (by 1, or the
    dtype's smallest normal number), `memory_format` lays the result out so."""
    import tapegrad as tg  # the package's factories, for the default device and memory formats

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    for bound in (low, high):
        if bound is not None and isinstance(bound, float) and _math.isnan(bound):
            raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if noncontiguous and memory_format is not None:
        raise ValueError("make_tensor: noncontiguous and memory_format cannot both be given")
    dtype_ = dtype
    device = tg.device(device)
    gen_shape = shape[:-1] + (2 * shape[-1],) if noncontiguous and shape and shape[-1] > 0 else shape

    def bounds(default_low, default_high, lowest, highest):
        lo = default_low if low is None else low
        hi = default_high if high is None else high
        if lo > hi:
            raise ValueError(f"`low` must be less than `high`, but got {lo} >= {hi}")
        return max(lo, lowest), min(hi, highest)

    if dtype_ == tg.bool:
        t = tg.randint(0, 2, gen_shape).to(tg.bool)
    elif dtype_.is_floating_point or dtype_.is_complex:
        real = tg.float64 if dtype_ in (tg.float64, tg.complex128) else tg.float32
        lo, hi = bounds(-9, 9, float(tg.finfo(real).min), float(tg.finfo(real).max))

        def uniform():
            return tg.rand(gen_shape, dtype=tg.float64) * (hi - lo) + lo

        t = tg.complex(uniform(), uniform()) if dtype_.is_complex else uniform()
        t = t.to(dtype_)
    else:
        info = tg.iinfo(dtype_)
        lo, hi = bounds(-9, 10, info.min, info.max + 1)
        lo, hi = _math.ceil(lo), _math.ceil(hi)
        t = tg.full(gen_shape, lo, dtype=tg.int64) if lo == hi else tg.randint(lo, hi, gen_shape)
        t = t.to(dtype_)
    if exclude_zero:
        if dtype_ == tg.bool:
            t = tg.ones_like(t)
        else:
            replacement = tg.finfo(dtype_).tiny if dtype_.is_floating_point else 1
            t = tg.where(t == 0, tg.tensor(replacement, dtype=dtype_), t)
    if gen_shape != shape:
        t = t[..., ::2]
    t = t.to(device)
    if memory_format is not None:
        t = t.clone(memory_format=memory_format)
    if requires_grad:
        t.requires_grad_(True)
    return t
