"""tg.utils.hooks: RemovableHandle for the hooks kept in Python (optimizer step hooks, module
state_dict hooks), as torch.utils.hooks'."""
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


def add_hook(hooks_dict, hook):
    """Adds ``hook`` to ``hooks_dict`` (an ordered dict of id -> hook) and returns its handle."""
    handle = RemovableHandle(hooks_dict)
    hooks_dict[handle.id] = hook
    return handle
