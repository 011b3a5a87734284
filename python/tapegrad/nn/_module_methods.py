"""Module methods written in Python, as torch.nn.Module's: set_submodule (replace or add a
module at a dotted path), to_empty (move to a device without copying the values), compile and
copy.copy."""
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


for _fn in (set_submodule, to_empty, compile, __copy__):
    setattr(_Module, _fn.__name__, _fn)
