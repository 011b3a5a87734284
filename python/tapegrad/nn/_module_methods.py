"""Module methods written in Python, as torch.nn.Module's: set_submodule (replace or add a
module at a dotted path), to_empty (move to a device without copying the values), compile,
copy.copy, type(dtype), and the registries _modules / _parameters / _buffers."""
import collections.abc as _abc
import copy as _copy

from .. import _C

_Module = _C.nn.Module


def set_submodule(self, target, module, strict=False):
    """Puts ``module`` at ``target`` ("block.0.conv"): replaces the submodule there, or adds it to
    the parent that path names (unless ``strict``, which only replaces)."""
    if target == "":
        raise ValueError("Cannot set the submodule without a target name!")
    if not isinstance(module, _Module):
        raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
    *path, name = target.split(".")
    parent = self.get_submodule(".".join(path)) if path else self
    if strict and not hasattr(parent, name):
        raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
    if hasattr(parent, name) and not isinstance(getattr(parent, name), _Module):
        raise AttributeError(f"`{name}` is not an nn.Module")
    setattr(parent, name, module)


def to_empty(self, *, device, recurse=True):
    """Moves the parameters and buffers to ``device`` as uninitialized tensors of the same shapes
    and dtypes (the same objects: optimizers and ties still see them); returns the module."""
    modules = self.modules() if recurse else [self]
    for m in modules:
        for t in list(m.parameters(recurse=False)) + list(m.buffers(recurse=False)):
            t.data = _C.empty(tuple(t.shape), dtype=t.dtype, device=device)
    return self


def compile(self, *args, **kwargs):  # noqa: A001  (torch's method name)
    """torch.nn.Module.compile compiles forward in place; tapegrad runs eagerly, so the module
    stays as it is (as tg.compile returns it)."""


def __copy__(self):
    """copy.copy(module): a new module of the same class holding the same parameters, buffers,
    submodules and attribute values (torch's shallow copy shares them too)."""
    memo = {id(v): v for k, v in vars(self).items() if not k.startswith("_tg_")}
    for t in list(self.parameters(recurse=False)) + list(self.buffers(recurse=False)):
        memo[id(t)] = t
    for child in self.children():
        memo[id(child)] = child
    return _copy.deepcopy(self, memo)


def _cast_type(self, dst_type):
    """Casts every floating-point parameter and buffer to dst_type (a dtype or a tensor type
    such as tg.DoubleTensor); returns the module."""
    dtype = getattr(dst_type, "dtype", dst_type)
    if not isinstance(dtype, _C.dtype):
        raise TypeError(f"Module.type: expected a dtype or a tensor type, got {dst_type!r}")
    return self.to(dtype)


class _Registry(_abc.MutableMapping):
    """module._modules / _parameters / _buffers, as torch's dicts: a live view of the module's own
    submodules, parameters or buffers in registration order. Writes go through the module, so
    ``model._modules["fc"] = nn.Linear(...)`` replaces the layer (and a Sequential runs it) and
    ``del m._parameters["bias"]`` removes one."""

    def __init__(self, module, kind):
        self._module, self._kind = module, kind

    def _names(self):
        m = self._module
        if self._kind == "modules":
            return [name for name, _ in m.named_children()]
        named = m.named_parameters if self._kind == "parameters" else m.named_buffers
        return [name for name, _ in named(recurse=False, remove_duplicate=False)]

    def __getitem__(self, name):
        if name not in self._names():
            raise KeyError(name)
        return getattr(self._module, name)

    def __setitem__(self, name, value):
        m, new = self._module, name not in self._names()
        if new and self._kind == "parameters":
            m.register_parameter(name, value)
        elif new and self._kind == "buffers":
            m.register_buffer(name, value)
        elif new and not isinstance(value, _Module):
            raise TypeError(f"_modules: {_Module.__name__} expected for '{name}', got {value.__class__.__name__}")
        else:
            setattr(m, name, value)

    def __delitem__(self, name):
        if name not in self._names():
            raise KeyError(name)
        delattr(self._module, name)

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())

    def __repr__(self):
        return f"{self.__class__.__name__}({dict(self)!r})"


_Registry.__name__ = _Registry.__qualname__ = "OrderedDict"
for _kind in ("modules", "parameters", "buffers"):
    setattr(_Module, "_" + _kind, property(lambda self, kind=_kind: _Registry(self, kind),
                                           doc=f"The module's own {_kind}, by name (torch's _{_kind})."))

for _fn in (set_submodule, to_empty, compile, __copy__):
    setattr(_Module, _fn.__name__, _fn)
_cast_type.__name__ = _cast_type.__qualname__ = "type"
_Module.type = _cast_type  # Module.type(dst_type), torch's name
