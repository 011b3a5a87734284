"""tg.func.functional_call: run a module with other tensors in place of its parameters and buffers
(PyTorch's torch.func.functional_call), as meta-learning and ensembling code does. The tensors
may be results of ops (fast weights: ``w - lr * grad``), so gradients flow through them.
stack_module_state: the parameters and buffers of several like modules, stacked, for vmap.
"""
import contextlib

from .. import _C

__all__ = ["functional_call", "stack_module_state"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with the tensors of ``parameter_and_buffer_dicts`` (a dict, or a
    sequence of dicts, of dotted names as in state_dict) in place of the module's own, which come
    back afterwards. With ``tie_weights``, a tensor given for one of several tied names is used for
    all of them. With ``strict``, every parameter and buffer must be given."""
    if isinstance(parameter_and_buffer_dicts, dict):
        tensors = dict(parameter_and_buffer_dicts)
    else:
        tensors = {}
        for d in parameter_and_buffer_dicts:
            for key, value in d.items():
                if key in tensors:
                    raise ValueError(f"{key} appeared in multiple dictionaries; behavior of functional call is "
                                     "ambiguous")
                tensors[key] = value
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, tensors, tie_weights, strict):
        return module(*args, **(kwargs or {}))


def _slots(module):
    """Dotted name -> (owning module, its own name), and the dotted names of each tensor."""
    slots, names_of = {}, {}
    for prefix, owner in module.named_modules():
        for name, tensor in list(owner.named_parameters(recurse=False)) + list(owner.named_buffers(recurse=False)):
            key = f"{prefix}.{name}" if prefix else name
            slots[key] = (owner, name)
            names_of.setdefault(id(tensor), []).append(key)
    return slots, names_of


@contextlib.contextmanager
def _swapped(module, tensors, tie_weights, strict):
    slots, names_of = _slots(module)
    unexpected = [k for k in tensors if k not in slots]
    missing = [k for k in slots if k not in tensors]
    if unexpected or (strict and missing):
        parts = []
        if unexpected:
            parts.append("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected) + ".")
        if strict and missing:
            parts.append("Missing key(s): " + ", ".join(repr(k) for k in missing) + ".")
        raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(parts))
    for key, value in tensors.items():
        if not isinstance(value, _C.Tensor):
            raise TypeError(f"functional_call: {key} must be a tensor, got {type(value).__name__}")
    chosen = dict(tensors)
    if tie_weights:
        for keys in names_of.values():
            given = [k for k in keys if k in tensors]
            if len(keys) < 2 or not given:
                continue
            if any(tensors[k] is not tensors[given[0]] for k in given[1:]):
                raise ValueError(f"functional_call got multiple values for keys {given}, which are tied. Consider "
                                 "using tie_weights=False")
            for k in keys:
                chosen[k] = tensors[given[0]]
    swapped = []
    try:
        for key, value in chosen.items():
            owner, name = slots[key]
            attrs = owner.__dict__
            saved = (attrs.get(name), attrs.get("_tg_registered_objects", {}).get(name))
            original = owner._swap_tensor(name, value)
            swapped.append((owner, name, original, saved))
            if name in attrs:  # a Python module reads its attribute
                attrs[name] = value
        yield
    finally:
        for owner, name, original, (attribute, kept) in reversed(swapped):
            owner._swap_tensor(name, original)
            if attribute is not None:
                owner.__dict__[name] = attribute
            registered = owner.__dict__.get("_tg_registered_objects")
            if registered is not None and kept is not None:
                registered[name] = kept


def stack_module_state(models):
    """(params, buffers): dicts of each dotted name's tensors from ``models`` (modules of the same
    structure) stacked along a new first dim; the stacked parameters are new leaves that require
    grad where the originals did, as PyTorch's are."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    first = models[0]
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    kind = type(first)
    if not all(type(m) is kind for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named):
        lists = [dict(named(m)) for m in models]
        names = list(lists[0].keys())
        for i, d in enumerate(lists[1:], 1):
            if list(d.keys()) != names:
                raise RuntimeError(f"stack_module_state: model {i} has tensors {list(d.keys())}, model 0 has {names}")
        return {name: _C.stack([d[name].detach() for d in lists], 0) for name in names}, lists

    params, param_lists = stacked(lambda m: m.named_parameters())
    for name, tensor in params.items():
        if param_lists[0][name].requires_grad:
            tensor.requires_grad_()
    buffers, _ = stacked(lambda m: m.named_buffers())
    return params, buffers
