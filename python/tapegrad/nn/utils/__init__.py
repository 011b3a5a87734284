"""tg.nn.utils: gradient clipping and norms, parameters as one vector; tg.nn.utils.rnn: sequence padding."""
from ..._C.nn.utils import *  # noqa: F401,F403
from . import rnn  # noqa: E402,F401
