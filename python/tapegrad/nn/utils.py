"""tg.nn.utils: gradient clipping."""
from .._C.nn.utils import *  # noqa: F401,F403
