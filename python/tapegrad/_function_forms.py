"""torch's function forms of Tensor methods, and the ``*_copy`` forms of the view ops.

``tg.abs_(x)`` is ``x.abs_()``, as ``torch.abs_`` is; ``tg.t_copy(x)`` is a new tensor holding
``x.t()``'s values, not a view. ``unsafe_split`` and its kin are split's results: PyTorch's
"unsafe" forms only skip the view tracking that tapegrad's split does not need either.
"""
from . import _C
from ._C import Tensor

# torch's in-place functions; each is bound where the Tensor method of that name exists.
_IN_PLACE = (
    "abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ ceil_ "
    "clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_ exp_ expm1_ fill_ fix_ floor_ "
    "frac_ gcd_ i0_ lcm_ ldexp_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ "
    "relu_ round_ rsqrt_ sigmoid_ sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_ zero_"
).split()

# View ops whose torch.<name>_copy returns the view's values in a tensor of their own.
_VIEWS = ("as_strided detach diagonal expand permute select split split_with_sizes squeeze t transpose unbind "
          "unfold unsqueeze view").split()


def _method_form(name):
    def form(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    form.__name__ = form.__qualname__ = name
    form.__doc__ = f"torch.{name}(input, ...): input.{name}(...)."
    return form


def _copy_form(view):
    def form(input, *args, **kwargs):
        out = getattr(input, view)(*args, **kwargs)
        if isinstance(out, (list, tuple)):
            return tuple(o.clone(memory_format=_C.contiguous_format) for o in out)
        return out.clone(memory_format=_C.contiguous_format)  # row-major, as torch's _copy forms

    form.__name__ = form.__qualname__ = view + "_copy"
    form.__doc__ = f"torch.{view}_copy: the values of input.{view}(...) in a new tensor."
    return form


__all__ = []
for _name in _IN_PLACE:
    if hasattr(Tensor, _name):
        globals()[_name] = _method_form(_name)
        __all__.append(_name)
for _view in _VIEWS:
    globals()[_view + "_copy"] = _copy_form(_view)
    __all__.append(_view + "_copy")


def alias_copy(input):
    """torch.alias_copy: a copy of input (alias is the tensor itself as a view)."""
    return input.clone(memory_format=_C.contiguous_format)


def slice_copy(input, dim=0, start=None, end=None, step=1):
    """torch.slice_copy: input[start:end:step] along dim, as a new tensor."""
    d = dim + input.dim() if dim < 0 else dim
    return input[(slice(None),) * d + (slice(start, end, step),)].clone(memory_format=_C.contiguous_format)


def unsafe_split(tensor, split_size_or_sections, dim=0):
    return tensor.split(split_size_or_sections, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return input.split_with_sizes(split_sizes, dim)


def unsafe_chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


for _fn in (unsafe_split, unsafe_split_with_sizes, unsafe_chunk):
    setattr(Tensor, _fn.__name__, _fn)


def rsub(input, other, alpha=1):
    """other - alpha * input."""
    return other - alpha * input if alpha != 1 else other - input


def fill(input, value):
    """A new tensor like input, every element value (torch.fill, out of place)."""
    # where() rather than full_like: the result stays on input's graph (a zero gradient) and
    # passes one to a tensor value, as PyTorch's does.
    return _C.where(_C.ones_like(input, dtype=_C.bool), value, input).to(input.dtype)


def get_device(input):
    """The index of input's CUDA device, -1 for a CPU tensor (input.get_device())."""
    return input.get_device()


__all__ += ["get_device", "rsub", "fill", "alias_copy", "slice_copy", "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk"]
