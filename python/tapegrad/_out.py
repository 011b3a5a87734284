"""torch's ``out=`` keyword on the functions of tg, tg.special, tg.linalg and tg.fft.

``tg.add(a, b, out=c)`` computes ``a + b`` and writes it into ``c`` as PyTorch does: the result
must cast safely to ``out``'s dtype (an int tensor cannot take a float result) and sit on its
device; an ``out`` of another shape is resized, with PyTorch's warning when it held elements;
functions with several results take a tuple (``tg.max(x, 1, out=(values, indices))``); and
autograd refuses them while gradients are recorded. Factories (``tg.zeros(3, out=o)``) make
``out``'s dtype and device. The result is computed, then copied into ``out``: the same values,
one copy more than PyTorch, which writes in place. Calls without ``out=`` go straight to the
function, and a result that needs only a copy goes into ``out`` in C++ (the wrapper is a C type,
_C._with_out); this file decides the rest.
"""
import warnings

from . import _C
from ._C import Tensor

# Factories take their dtype and device from out.
_FACTORIES = {"zeros", "ones", "empty", "full", "arange", "range", "linspace", "logspace", "eye", "rand", "randn",
              "randint", "randperm", "empty_strided", "normal", "poisson", "bernoulli", "multinomial"}
# Never given out= by PyTorch, and returning no tensor or with effects of their own: left unwrapped.
_SKIP_PREFIXES = ("set_", "get_", "is_", "use_", "are_")
_SKIP = {"manual_seed", "seed", "initial_seed", "default_generator", "save", "load", "load_metadata", "load_tensor",
         "save_to_bytes", "load_from_bytes", "compile", "vmap", "typename", "from_numpy", "from_dlpack", "to_dlpack",
         "can_cast", "promote_types", "result_type", "finfo", "iinfo", "enable_grad", "no_grad", "inference_mode",
         "set_grad_enabled", "autocast", "tensor", "as_tensor", "asarray"}
# Functions whose tuple holds views of the input rather than several results: no out= (their
# *_copy forms take one).
_VIEW_TUPLES = {"split", "split_with_sizes", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit",
                "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk", "broadcast_tensors", "meshgrid",
                "atleast_1d", "atleast_2d", "atleast_3d"}
# PyTorch's names of the dtypes in its messages.
_TITLES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double", "uint8": "Byte",
           "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool", "complex64": "ComplexFloat",
           "complex128": "ComplexDouble"}


def _title(dtype):
    name = str(dtype).rsplit(".", 1)[-1]
    return _TITLES.get(name, name)


def _shape(t):
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _write(name, out, result):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out.device != result.device:
        raise RuntimeError(f"{name}(): expected out tensor to have device {result.device}, but got {out.device} "
                           "instead")
    if not _C.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"{name}(): result type {_title(result.dtype)} can't be cast to the desired "
                           f"output type {_title(out.dtype)}")
    if out.shape != result.shape:
        if out.numel() != 0:
            warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                          f"{_shape(out)}, which does not match the required output shape {_shape(result)}. "
                          "This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
                          "unless they have zero elements. You can explicitly reuse an out tensor t by resizing "
                          "it, inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out.resize_(*result.shape)
    out.copy_(result)


def _finish_out(fn, result, out):
    """Writes ``result`` into ``out`` where _C could not simply copy it: checks, casts, resizes
    and tuples of results."""
    name = getattr(fn, "__name__", "function")
    results = tuple(result) if isinstance(result, tuple) else (result,)
    if not results or not all(isinstance(r, Tensor) for r in results) or name in _VIEW_TUPLES:
        raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(results):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(results)} Tensors")
        outs = tuple(out)
    else:
        outs = (out,)
    if _C.autograd.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in results + outs):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    enabled = _C.autograd.is_grad_enabled()
    _C.autograd.set_grad_enabled(False)
    try:
        for o, r in zip(outs, results):
            _write(name, o, r)
    finally:
        _C.autograd.set_grad_enabled(enabled)
    if not isinstance(result, tuple):
        return out
    return type(result)(*outs) if hasattr(result, "_fields") else outs


def _factory_out(fn, args, kwargs, out):
    """Factories make out's dtype and device, then write into it."""
    if isinstance(out, Tensor):
        kwargs.setdefault("dtype", out.dtype)
        kwargs.setdefault("device", out.device)
    return _finish_out(fn, fn(*args, **kwargs), out)


def wrap_namespace(namespace):
    """Gives every public function of ``namespace`` (a module's dict) the out= keyword."""
    for name, obj in list(namespace.items()):
        if name.startswith("_") or name.endswith("_") or name.startswith(_SKIP_PREFIXES) or name in _SKIP:
            continue
        if type(obj).__name__ not in ("builtin_function_or_method", "function"):
            continue
        factory = name in _FACTORIES
        namespace[name] = _C._with_out(obj, _factory_out if factory else _finish_out, factory)
