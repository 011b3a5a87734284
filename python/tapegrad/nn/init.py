"""tg.nn.init: torch.nn.init's in-place initialisers."""
from .._C.nn.init import *  # noqa: F401,F403
from .._C.nn.init import _calculate_fan_in_and_fan_out  # noqa: F401
