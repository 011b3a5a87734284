"""tg.optim.swa_utils: weight averaging as in PyTorch: AveragedModel (SWA, or an EMA model with
get_ema_multi_avg_fn), SWALR, and update_bn to recompute BatchNorm statistics for the average."""
import copy
import itertools
import math

from .. import _C
from ..autograd import no_grad
from ..nn import Module
from .lr_scheduler import LRScheduler

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn", "get_swa_avg_fn",
           "get_swa_multi_avg_fn", "update_bn"]


def get_ema_multi_avg_fn(decay=0.999):
    """ema = decay * ema + (1 - decay) * current, for lists of tensors, in place."""
    def ema_update(ema_params, current_params, num_averaged):
        with no_grad():
            for ema, current in zip(ema_params, current_params):
                if decay == 0:
                    ema.copy_(current)
                else:
                    ema.lerp_(current, 1 - decay)
    return ema_update


def get_swa_multi_avg_fn():
    """The running mean: average += (current - average) / (n + 1), in place."""
    def swa_update(averaged_params, current_params, num_averaged):
        weight = 1.0 / (float(num_averaged) + 1)
        with no_grad():
            for averaged, current in zip(averaged_params, current_params):
                averaged.lerp_(current, weight)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The EMA of one tensor: returns decay * ema + (1 - decay) * current."""
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean of one tensor: returns average + (current - average) / (n + 1)."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (float(num_averaged) + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers``) are the average of
    the model's at each update_parameters call: the running mean by default (SWA), or what
    ``avg_fn`` / ``multi_avg_fn`` compute (an EMA with get_ema_multi_avg_fn)."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module.to(device)
        self.register_buffer("n_averaged", _C.tensor(0, dtype=_C.int64, device=device or "cpu"))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model):
        tensors = model.parameters()
        return itertools.chain(tensors, model.buffers()) if self.use_buffers else tensors

    def update_parameters(self, model):
        """Averages ``model``'s current parameters into this one's."""
        averaged, current = [], []
        with no_grad():
            for mine, theirs in zip(self._tensors(self.module), self._tensors(model)):
                theirs = theirs.detach().to(mine.device)
                averaged.append(mine.detach())
                current.append(theirs)
                if self.n_averaged.item() == 0:
                    mine.copy_(theirs)
            n = self.n_averaged.item()
            if n > 0:
                if self.avg_fn is not None:
                    for mine, theirs in zip(averaged, current):
                        mine.copy_(self.avg_fn(mine, theirs, self.n_averaged.to(mine.device)))
                else:
                    (self.multi_avg_fn or get_swa_multi_avg_fn())(averaged, current, self.n_averaged)
            if not self.use_buffers:  # the buffers follow the model as they are
                for mine, theirs in zip(self.module.buffers(), model.buffers()):
                    mine.copy_(theirs.detach().to(mine.device))
            self.n_averaged.add_(1)


class SWALR(LRScheduler):
    """Anneals each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps ("cos" or
    "linear"), then holds it there; an LRScheduler like the others."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        groups = optimizer.param_groups
        swa_lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(swa_lrs) != len(groups):
            raise ValueError(f"swa_lr must have the same length as optimizer.param_groups: swa_lr has "
                             f"{len(swa_lrs)}, optimizer.param_groups has {len(groups)}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.swa_lrs = swa_lrs
        self.anneal_epochs = anneal_epochs
        self.anneal_strategy = anneal_strategy
        # torch counts its steps from here: the construction's own step is step 0.
        self._first_epoch = last_epoch + 1
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t):
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def get_lr(self):
        step = self.last_epoch - self._first_epoch
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self._anneal(max(0.0, min(1.0, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self._anneal(max(0.0, min(1.0, step / max(1, self.anneal_epochs))))
        lrs = []
        for group, swa_lr in zip(self.optimizer.param_groups, self.swa_lrs):
            # The lr before annealing, recovered from the current one (PyTorch's recurrence).
            start = swa_lr if prev_alpha == 1 else (group["lr"] - prev_alpha * swa_lr) / (1 - prev_alpha)
            lrs.append(swa_lr * alpha + start * (1 - alpha))
        return lrs


def update_bn(loader, model, device=None):
    """Recomputes the running statistics of ``model``'s BatchNorm layers as the plain average over
    one pass of ``loader`` (its batches, or their first element), e.g. for an AveragedModel."""
    norms = [m for m in model.modules() if isinstance(m, _C.nn._BatchNorm)]
    if not norms:
        return
    momenta = {id(m): m.momentum for m in norms}
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # the running statistics become the plain average over the batches
    was_training = model.training
    model.train()
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for m in norms:
        m.momentum = momenta[id(m)]
    model.train(was_training)
