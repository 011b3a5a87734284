"""Module.state_dict and load_state_dict as torch.nn.Module's, around the C++ ones: the state_dict
and load_state_dict hooks, get_extra_state / set_extra_state (saved under "<prefix>_extra_state"),
keep_vars, prefix and destination, and load_state_dict's (missing_keys, unexpected_keys) result."""
import collections

from .. import _C
from ..utils.hooks import add_own_hook

_Module = _C.nn.Module
_cpp_state_dict = _Module.state_dict
_cpp_load_state_dict = _Module.load_state_dict
_EXTRA_STATE = "_extra_state"


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _tree(module, prefix=""):
    """(prefix, module) for module and each submodule, parents first: the order torch saves them."""
    yield prefix, module
    for name, child in module.named_children():
        if child is not None:
            yield from _tree(child, prefix + name + ".")


def _hooks(module, kind):
    return module.__dict__.get(kind) or {}


def _has_extra_state(module):
    return type(module).get_extra_state is not _Module.get_extra_state


def _local_metadata(module):
    return {"version": getattr(module, "_version", 1)}


def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
    """The module's parameters and persistent buffers by dotted name (and the extra state of the
    modules that define get_extra_state), in an OrderedDict as torch's; detached unless keep_vars."""
    if args:  # torch's older positional form: (destination, prefix, keep_vars)
        destination, prefix, keep_vars = (list(args) + [destination, prefix, keep_vars][len(args):])[:3]
    if destination is None:
        destination = collections.OrderedDict()
        destination._metadata = collections.OrderedDict()
    entries = _cpp_state_dict(self)  # which tensors are saved, in torch's order
    tree = list(_tree(self))
    if not keep_vars and not any(_has_extra_state(m) or _hooks(m, "_state_dict_pre_hooks") or
                                 _hooks(m, "_state_dict_post_hooks") for _, m in tree):
        metadata = getattr(destination, "_metadata", None)
        for p, m in tree:
            if metadata is not None:
                metadata[(prefix + p)[:-1]] = _local_metadata(m)
        for k, v in entries.items():
            destination[prefix + k] = v
        return destination
    owned = collections.defaultdict(list)  # module prefix -> the keys of its own tensors
    for k in entries:
        owned[k[:k.rfind(".") + 1]].append(k)
    _save(self, "", prefix, keep_vars, entries, owned, destination)
    return destination


def _save(module, p, prefix, keep_vars, entries, owned, destination):
    """torch's recursion: pre hooks, the module's own tensors (read now, after its pre hooks),
    its extra state, its submodules, then its post hooks."""
    for hook in list(_hooks(module, "_state_dict_pre_hooks").values()):
        hook(module, prefix + p, keep_vars)
    metadata = getattr(destination, "_metadata", None)
    if metadata is not None:
        metadata[(prefix + p)[:-1]] = _local_metadata(module)
    if owned.get(p):
        held = dict(module.named_parameters(recurse=False))
        held.update(module.named_buffers(recurse=False))
        for k in owned[p]:
            t = held.get(k[len(p):])
            destination[prefix + k] = entries[k] if t is None else t if keep_vars else t.detach()
    if _has_extra_state(module):
        destination[prefix + p + _EXTRA_STATE] = module.get_extra_state()
    for name, child in module.named_children():
        if child is not None:
            _save(child, p + name + ".", prefix, keep_vars, entries, owned, destination)
    for hook in list(_hooks(module, "_state_dict_post_hooks").values()):
        if hook(module, destination, prefix + p, _local_metadata(module)) is not None:
            raise RuntimeError("state_dict post-hook must return None")


def load_state_dict(self, state_dict, strict=True, assign=False):
    """Copies ``state_dict``'s tensors into the module's (and hands each module's extra state to its
    set_extra_state); returns (missing_keys, unexpected_keys). With strict, any of either, a shape
    that differs, or an error a hook reports raises RuntimeError. With ``assign``, the module then
    holds the state_dict's tensors themselves (their dtype and memory; parameters keep the module's
    requires_grad), as torch's assign=True."""
    if not isinstance(state_dict, collections.abc.Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    metadata = getattr(state_dict, "_metadata", None) or {}
    state = collections.OrderedDict(state_dict)  # the pre hooks may rename or drop entries
    missing, unexpected, errors = [], [], []
    tree = list(_tree(self))
    for p, m in tree:
        local = metadata.get(p[:-1], {})
        for hook in list(_hooks(m, "_load_state_dict_pre_hooks").values()):
            hook(m, state, p, local, strict, missing, unexpected, errors)
    for p, m in tree:
        if _has_extra_state(m):
            key = p + _EXTRA_STATE
            if key in state:
                m.set_extra_state(state.pop(key))
            else:
                missing.append(key)
    post_hooks = any(_hooks(m, "_load_state_dict_post_hooks") for _, m in tree)
    tensors = {k: v for k, v in state.items() if not k.endswith(_EXTRA_STATE) or isinstance(v, _C.Tensor)}
    unexpected += [k for k in state if k not in tensors]
    # With post hooks, strictness is judged after them (they may clear what they handled).
    cpp_missing, cpp_unexpected = _cpp_load_state_dict(self, tensors, strict and not post_hooks and not missing
                                                       and len(tensors) == len(state))
    missing += cpp_missing
    unexpected += cpp_unexpected
    result = _IncompatibleKeys(missing, unexpected)
    for _, m in tree:
        for hook in list(_hooks(m, "_load_state_dict_post_hooks").values()):
            if hook(m, result) is not None:
                raise RuntimeError("Hooks registered with ``register_load_state_dict_post_hook`` are not expected "
                                   "to return new values, if incompatible_keys need to be modified, it should be done "
                                   "inplace.")
    if strict:
        if result.unexpected_keys:
            errors.insert(0, "unexpected keys: " + ", ".join(result.unexpected_keys))
        if result.missing_keys:
            errors.insert(0, "missing keys: " + ", ".join(result.missing_keys))
    if errors:
        raise RuntimeError(f"{self._get_name()}.load_state_dict: the state does not match the model\n  "
                           + "\n  ".join(errors))
    if assign:
        _assign(self, tensors)
    return result


def _assign(self, tensors):
    """Makes each parameter and buffer that ``tensors`` names that tensor (a parameter wraps it)."""
    from .parameter import Parameter
    for key, value in tensors.items():
        path, _, name = key.rpartition(".")
        try:
            owner = self.get_submodule(path) if path else self
        except AttributeError:
            continue
        params = dict(owner.named_parameters(recurse=False))
        if name in params and params[name] is not None:
            setattr(owner, name, Parameter(value, requires_grad=params[name].requires_grad))
        elif name in dict(owner.named_buffers(recurse=False)):
            setattr(owner, name, value)


def get_extra_state(self):
    """What a module saves besides its tensors (under "<prefix>_extra_state"): define it, with
    set_extra_state, in a subclass that has such state."""
    raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. "
                       "Please define get_extra_state in the module's class.")


def set_extra_state(self, state):
    """Restores what get_extra_state returned."""
    raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. "
                       "Please define set_extra_state in the module's class.")


def register_state_dict_pre_hook(self, hook):
    """``hook(module, prefix, keep_vars)`` before state_dict saves this module."""
    return add_own_hook(self, "_state_dict_pre_hooks", hook)


def register_state_dict_post_hook(self, hook):
    """``hook(module, state_dict, prefix, local_metadata)`` once this module and its submodules are
    in state_dict; it may change state_dict in place."""
    return add_own_hook(self, "_state_dict_post_hooks", hook)


def register_load_state_dict_pre_hook(self, hook):
    """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
    error_msgs)`` before load_state_dict reads this module's entries (it may rename them)."""
    return add_own_hook(self, "_load_state_dict_pre_hooks", hook)


def register_load_state_dict_post_hook(self, hook):
    """``hook(module, incompatible_keys)`` after load_state_dict; it may clear keys in place."""
    return add_own_hook(self, "_load_state_dict_post_hooks", hook)


# torch's state_dict format versions (in each module's local_metadata): BatchNorm's and
# InstanceNorm's is 2, since they save num_batches_tracked.
_Module._version = 1
_C.nn._BatchNorm._version = 2
_C.nn._InstanceNorm._version = 2
for _fn in (state_dict, load_state_dict, get_extra_state, set_extra_state, register_state_dict_pre_hook,
            register_state_dict_post_hook, register_load_state_dict_pre_hook, register_load_state_dict_post_hook):
    setattr(_Module, _fn.__name__, _fn)
