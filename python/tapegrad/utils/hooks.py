"""tg.utils.hooks: RemovableHandle for the hooks kept in Python (optimizer step hooks, module
state_dict hooks), as torch.utils.hooks'."""
import collections
import itertools

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """What registering a hook returns: ``remove()`` (or leaving a ``with`` block) unregisters it."""

    def __init__(self, hooks_dict):
        self.hooks_dict = hooks_dict
        self.id = next(_ids)

    def remove(self):
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks_dict, hook, prepend=False):
    """Adds ``hook`` to ``hooks_dict`` (an ordered dict of id -> hook), first with ``prepend``,
    and returns its handle."""
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = hook
    if prepend:
        hooks_dict.move_to_end(handle.id, last=False)
    return handle


def add_own_hook(obj, kind, hook, prepend=False):
    """add_hook on the ordered dict ``obj.__dict__[kind]``, made on first use (where the Python
    objects of modules and optimizers keep their hooks)."""
    hooks = obj.__dict__.get(kind)
    if hooks is None:
        hooks = obj.__dict__[kind] = collections.OrderedDict()
    return add_hook(hooks, hook, prepend)
