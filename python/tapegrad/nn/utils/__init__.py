"""tg.nn.utils: gradient clipping; tg.nn.utils.rnn: sequence padding."""
from ..._C.nn.utils import *  # noqa: F401,F403
from . import rnn  # noqa: E402,F401
