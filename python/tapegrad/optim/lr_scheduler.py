"""tg.optim.lr_scheduler: torch.optim.lr_scheduler's schedulers, and LRScheduler to subclass in
Python as in PyTorch: define get_lr() (rates from self.last_epoch, self.base_lrs and
self.optimizer.param_groups); the C++ containers (SequentialLR, ChainedScheduler) take such
subclasses too."""
import functools as _functools

from .._C.optim import lr_scheduler as _C_schedulers
from .._C.optim.lr_scheduler import *  # noqa: F401,F403
from .._C.optim.lr_scheduler import LRScheduler

_construct = LRScheduler.__init__
_cpp_state_dict = LRScheduler.state_dict
_cpp_load_state_dict = LRScheduler.load_state_dict


def _resumed_base_lrs(optimizer, last_epoch):
    """torch's rule for last_epoch != -1 (resuming): each group's 'initial_lr' is the base rate."""
    if last_epoch == -1:
        return None
    base = []
    for i, group in enumerate(optimizer.param_groups):
        if "initial_lr" not in group:
            raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer")
        base.append(group["initial_lr"])
    return base


def _record_initial_lrs(optimizer, base_lrs):
    """torch writes each group's starting rate into it as 'initial_lr' (what resuming reads)."""
    for group, lr in zip(optimizer.param_groups, base_lrs):
        if "initial_lr" not in group:
            try:
                group["initial_lr"] = lr
            except TypeError:  # an optimizer made in C++ keeps only its options
                return


def __init__(self, optimizer, last_epoch=-1, verbose="deprecated"):
    resumed = _resumed_base_lrs(optimizer, last_epoch)
    _construct(self, optimizer, last_epoch)
    self.optimizer = optimizer
    if resumed is not None:
        self.base_lrs = resumed
    _record_initial_lrs(optimizer, self.base_lrs)
    self._initial_step()


def _with_last_epoch(init):
    """A C++ scheduler's constructor with torch's last_epoch (and the ignored verbose). The C++
    constructor takes the first step from epoch 0; resuming puts the rates back and steps from
    last_epoch instead, from the groups' 'initial_lr'."""
    @_functools.wraps(init)
    def __init__(self, optimizer, *args, last_epoch=-1, verbose="deprecated", **kwargs):
        resumed = _resumed_base_lrs(optimizer, last_epoch)
        current = [group["lr"] for group in optimizer.param_groups]
        init(self, optimizer, *args, **kwargs)
        self.optimizer = optimizer
        if resumed is not None:
            for group, lr in zip(optimizer.param_groups, current):
                group["lr"] = lr
            if isinstance(self, _KEEP_RATES_WHEN_RESUMED):
                state = self.state_dict()
                state.update(base_lrs=list(resumed), last_epoch=last_epoch + 1, _last_lr=list(current))
                self.load_state_dict(state)
            else:
                self.base_lrs = resumed
                self.last_epoch = last_epoch
                if hasattr(type(self), "T_cur"):
                    self.step(last_epoch + 1)  # warm restarts: their cycle position from the epoch
                else:
                    self.step()
        _record_initial_lrs(optimizer, self.base_lrs)

    __init__._tg_keywords = {"last_epoch": -1}  # for tapegrad._signatures
    return __init__


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

# Schedulers whose rate is recursive: resuming, torch's first step ("_is_initial" mode) keeps the
# loaded rates rather than moving them one step further.
_KEEP_RATES_WHEN_RESUMED = (_C_schedulers.MultiplicativeLR, _C_schedulers.LinearLR, _C_schedulers.ExponentialLR,
                            _C_schedulers.PolynomialLR, _C_schedulers.CosineAnnealingLR)
for _cls in list(vars(_C_schedulers).values()):
    if isinstance(_cls, type) and issubclass(_cls, LRScheduler) and _cls is not LRScheduler:
        _cls.__init__ = _with_last_epoch(_cls.__init__)
