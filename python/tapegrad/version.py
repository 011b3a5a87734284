"""tg.version, as torch.version: the package's version, and the CUDA toolkit this build was
compiled with (None without one)."""
from . import _C

from . import __version__  # noqa: F401
cuda = _C.cuda._compiled_version() or None
hip = None  # no ROCm build
xpu = None
