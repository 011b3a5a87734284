"""tg.nn.utils: gradient clipping and norms, parameters as one vector, weight and spectral norm,
conv/linear + batch norm fusion; rnn: sequence padding; parametrize and parametrizations:
computed weights; prune: pruning masks; stateless: functional_call; skip_init; the conv weights'
memory format."""
from ..._C.nn.utils import *  # noqa: F401,F403
from . import clip_grad, convert_parameters, fusion, parametrizations, parametrize, prune, rnn, stateless  # noqa: E402,F401
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: E402,F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402,F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: E402,F401
from .init import skip_init  # noqa: E402,F401
from .memory_format import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format  # noqa: E402,F401
from ..._C.nn.utils import clip_grad_norm_ as clip_grad_norm  # noqa: E402,F401  (torch's deprecated name)
