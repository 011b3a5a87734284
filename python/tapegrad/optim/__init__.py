"""tg.optim: SGD, Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad, Adadelta, Rprop, ASGD,
Adafactor, Muon, LBFGS (torch.optim's keywords), Optimizer to subclass in Python, lr_scheduler and
swa_utils (weight averaging)."""
from .._C.optim import *  # noqa: F401,F403
from . import lr_scheduler, optimizer, swa_utils  # noqa: E402  (optimizer: Python subclasses of Optimizer)
