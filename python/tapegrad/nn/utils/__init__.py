"""tg.nn.utils: gradient clipping and norms, parameters as one vector, weight and spectral norm;
tg.nn.utils.rnn: sequence padding; parametrize and parametrizations: computed weights."""
from ..._C.nn.utils import *  # noqa: F401,F403
from . import parametrizations, parametrize, rnn  # noqa: E402,F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402,F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: E402,F401
