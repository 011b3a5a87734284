"""tg.optim: SGD, Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad, Adadelta, Rprop, ASGD,
Adafactor, Muon, LBFGS (torch.optim's keywords), lr_scheduler and swa_utils (weight averaging)."""
from .._C.optim import *  # noqa: F401,F403
from . import lr_scheduler, swa_utils  # noqa: E402
