"""tapegrad: eager tensors whose operations record a tape for reverse-mode autograd.

The names follow PyTorch's: ``tg.tensor``, ``tg.randn``, ``tg.nn.Linear``, ``tg.optim.Adam``,
``tg.no_grad()``. Everything runs in the C++ library (``tapegrad._C``); this package only
arranges the names.
"""
import os as _os

from . import _C
from ._C import *  # noqa: F401,F403  (tensors, dtypes, devices, ops, factories)
from ._C import AnomalyError, Tensor
from ._size import Size, broadcast_shapes  # noqa: F401

_C._set_size_class(Size)

from . import __config__, amp, autograd, backends, cuda, distributions, fft, func, jit, linalg, nn, optim, profiler, random, special, testing, utils  # noqa: E402  (the Python packages over _C's submodules)
from .backends import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402
from .amp import GradScaler, autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402
from .autograd import (enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled,  # noqa: E402
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from .serialization import load, load_metadata, load_tensor, save  # noqa: E402
from .func import vmap  # noqa: E402  (torch.vmap)
from ._torch_names import *  # noqa: E402,F401,F403  (torch.conv2d, torch.dropout, ...: nn.functional's ops)
from ._function_forms import *  # noqa: E402,F401,F403  (torch.abs_, torch.t_copy, ...)
from ._legacy_linalg import *  # noqa: E402,F401,F403  (torch.svd, torch.lu, ...)
from ._real_complex_views import *  # noqa: E402,F401,F403  (resolve_neg, is_neg)
from ._type_info import *  # noqa: E402,F401,F403  (finfo, iinfo, result_type)
from ._array_factories import *  # noqa: E402,F401,F403  (asarray, frombuffer, from_file, randint_like)
from ._lowrank import *  # noqa: E402,F401,F403  (svd_lowrank, pca_lowrank)
from ._tensor_python_methods import *  # noqa: E402,F401,F403  (strided; Tensor.apply_, map_, layout, ...)
from ._legacy_tensor_types import *  # noqa: E402,F401,F403  (FloatTensor, ...; Tensor.type, typename)
from ._control_flow import *  # noqa: E402,F401,F403  (cond, while_loop)
from ._foreach import *  # noqa: E402,F401,F403  (_foreach_add_, _foreach_lerp_, _foreach_norm, ...)
from ._fake_quantize import *  # noqa: E402,F401,F403  (fake_quantize_per_tensor_affine, ..._per_channel_affine)
from . import _pickling  # noqa: E402,F401  (pickle's protocols 0 and 1 for _C's classes)
from . import _signatures  # noqa: E402,F401  (inspect.signature of _C's classes)
from . import _base_constructors  # noqa: E402,F401  (nn.Module.__init__ on a Linear raises, not aborts)
from . import _generator  # noqa: E402,F401  (Generator(device=...), .device, .seed())
from .random import default_generator, manual_seed  # noqa: E402  (the generator object, as torch's)
from ._storage import TypedStorage, UntypedStorage, is_storage  # noqa: E402,F401  (Tensor.untyped_storage, storage)
from ._default_device import *  # noqa: E402,F401,F403  (set_default_device, get_default_device)
from ._debug_modes import *  # noqa: E402,F401,F403  (set_deterministic_debug_mode, get_deterministic_debug_mode)

__version__ = "0.1.0"

# Anomaly mode reports the user's line, skipping frames inside this package.
_C.autograd._set_package_dir(_os.path.dirname(_os.path.abspath(__file__)) + _os.sep)

# PyTorch's constants.
import math as _math  # noqa: E402  (here: `float` is tg.float, the dtype, in this module)

inf, nan, pi, e, newaxis = _math.inf, _math.nan, _math.pi, _math.e, None


def compile(model=None, **kwargs):  # noqa: A001  (torch.compile's name)
    """tapegrad runs eagerly: compile returns ``model`` unchanged (also as a decorator, with or
    without keywords), so that scripts written for torch.compile run as they are."""
    if model is None:
        return lambda m: m
    return model


from . import accelerator, compiler, cpu, distributed, signal, version  # noqa: E402  (after __version__, which version reads)
from .accelerator import get_device_module  # noqa: E402,F401


from ._out import wrap_namespace as _wrap_namespace  # noqa: E402

_wrap_namespace(globals())  # torch's out= keyword (tapegrad/_out.py)
_wrap_namespace(special.__dict__)
_wrap_namespace(linalg.__dict__)
_wrap_namespace(fft.__dict__)
