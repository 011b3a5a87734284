"""Module methods written in Python, as torch.nn.Module's: set_submodule (replace or add a
module at a dotted path), to_empty (move to a device without copying the values) and
register_full_backward_pre_hook (see or replace the gradients of a module's outputs)."""
from .. import _C
from ..autograd import Function, is_grad_enabled
from ..utils.hooks import add_own_hook

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


class _GradOutputHooks(Function):
    """The identity on a hooked module's outputs; its backward hands their gradients to the
    module's backward pre hooks, which may replace them."""

    @staticmethod
    def forward(ctx, module, *outputs):
        ctx.module = module
        views = tuple(o.view_as(o) for o in outputs)
        return views if len(views) > 1 else views[0]

    @staticmethod
    def backward(ctx, *grads):
        module = ctx.module
        for hook in list(module.__dict__.get("_backward_pre_hooks", {}).values()):
            replaced = hook(module, grads)
            if replaced is None:
                continue
            replaced = tuple(replaced) if isinstance(replaced, (tuple, list)) else (replaced,)
            if len(replaced) != len(grads):
                raise RuntimeError(f"{module._get_name()}: a backward pre hook returned {len(replaced)} gradients "
                                   f"for {len(grads)} outputs")
            grads = replaced
        return (None, *grads)


def _hook_outputs(module, inputs, output):
    if not module.__dict__.get("_backward_pre_hooks") or not is_grad_enabled():
        return None
    outputs = output if isinstance(output, tuple) else (output,)
    if not any(o.requires_grad for o in outputs):
        return None
    return _GradOutputHooks.apply(module, *outputs)


def register_full_backward_pre_hook(self, hook):
    """``hook(module, grad_output) -> None or new grad_output`` when the gradients of the module's
    outputs are known, before those of its inputs are computed. (A full backward hook on the
    same module sees the gradients from before this hook replaced them.)"""
    if "_backward_pre_hooks" not in self.__dict__:
        self.register_forward_hook(_hook_outputs)
    return add_own_hook(self, "_backward_pre_hooks", hook)


for _fn in (set_submodule, to_empty, register_full_backward_pre_hook):
    setattr(_Module, _fn.__name__, _fn)
