"""tg.optim.lr_scheduler: torch.optim.lr_scheduler's schedulers."""
from .._C.optim.lr_scheduler import *  # noqa: F401,F403
