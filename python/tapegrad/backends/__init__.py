"""tg.backends: PyTorch's switches for the libraries under the kernels, as importable modules
(``import tapegrad.backends.cudnn as cudnn``): cuda (``matmul.allow_tf32``), cudnn (``allow_tf32``,
``deterministic``, ``benchmark``), mkldnn, openmp and mps. ``tg.set_float32_matmul_precision("high")``
is the other spelling of ``cuda.matmul.allow_tf32 = True``."""
from . import cuda, cudnn, mkldnn, mps, openmp

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp"]

_precision = ["highest"]


def set_float32_matmul_precision(precision):
    """"highest": float32 products in full float32; "high" and "medium": TF32 allowed."""
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got {precision!r}")
    _precision[0] = precision
    cuda.matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision():
    if not cuda.matmul.allow_tf32:
        return "highest"
    return "high" if _precision[0] == "highest" else _precision[0]  # TF32 switched on directly
