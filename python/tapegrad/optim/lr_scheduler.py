"""tg.optim.lr_scheduler: torch.optim.lr_scheduler's schedulers, and LRScheduler to subclass in
Python as in PyTorch: define get_lr() (rates from self.last_epoch, self.base_lrs and
self.optimizer.param_groups); the C++ containers (SequentialLR, ChainedScheduler) take such
subclasses too."""
from .._C.optim.lr_scheduler import *  # noqa: F401,F403
from .._C.optim.lr_scheduler import LRScheduler

_construct = LRScheduler.__init__
_cpp_state_dict = LRScheduler.state_dict
_cpp_load_state_dict = LRScheduler.load_state_dict


def __init__(self, optimizer, last_epoch=-1, verbose="deprecated"):
    _construct(self, optimizer, last_epoch)
    self.optimizer = optimizer
    self._initial_step()


def state_dict(self):
    """The progress (last_epoch, base_lrs, the last rates) and, for a Python subclass, its own
    attributes but the optimizer, as torch's state_dict."""
    state = _cpp_state_dict(self)
    state.update({k: v for k, v in getattr(self, "__dict__", {}).items() if k != "optimizer"})
    return state


def load_state_dict(self, state_dict):
    """Restores what state_dict returned."""
    own = _cpp_state_dict(self).keys()
    _cpp_load_state_dict(self, {k: v for k, v in state_dict.items() if k in own})
    for k, v in state_dict.items():
        if k not in own:
            setattr(self, k, v)


__init__.__doc__ = _construct.__doc__
LRScheduler.__init__ = __init__
LRScheduler.state_dict = state_dict
LRScheduler.load_state_dict = load_state_dict
_LRScheduler = LRScheduler  # torch's older name
