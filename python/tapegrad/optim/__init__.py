"""tg.optim: SGD, Adam, AdamW, Adamax, NAdam, RAdam, RMSprop, Adagrad, Adadelta, Rprop, ASGD,
Adafactor, Muon, LBFGS (torch.optim's keywords) and lr_scheduler."""
from .._C.optim import *  # noqa: F401,F403
from . import lr_scheduler  # noqa: E402
