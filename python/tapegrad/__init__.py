"""tapegrad: eager tensors whose operations record a tape for reverse-mode autograd.

The names follow PyTorch's: ``tg.tensor``, ``tg.randn``, ``tg.nn.Linear``, ``tg.optim.Adam``,
``tg.no_grad()``. Everything runs in the C++ library (``tapegrad._C``); this package only
arranges the names.
"""
import os as _os

from . import _C
from ._reexport import reexport as _reexport

__all__ = _reexport(_C, globals())
Tensor = _C.Tensor
AnomalyError = _C.AnomalyError

from . import autograd, cuda, nn, optim, utils  # noqa: E402
from .autograd import enable_grad, no_grad, set_grad_enabled, is_grad_enabled  # noqa: E402
from .serialization import save, load  # noqa: E402

__all__ += ["autograd", "cuda", "nn", "optim", "utils", "no_grad", "enable_grad", "set_grad_enabled",
            "is_grad_enabled", "save", "load"]
__version__ = "0.1.0"

# Anomaly mode reports the user's line, skipping frames inside this package.
_C.autograd._set_package_dir(_os.path.dirname(_os.path.abspath(__file__)) + _os.sep)
