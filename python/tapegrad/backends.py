"""tg.backends: PyTorch's switches for the GPU libraries.

``tg.backends.cuda.matmul.allow_tf32`` (off by default) lets float32 matrix products use TF32
tensor cores; ``tg.backends.cudnn.allow_tf32`` (on by default) does the same for cuDNN
convolutions. ``tg.set_float32_matmul_precision("high")`` is the other spelling of the first."""
from . import _C

__all__ = ["cuda", "cudnn"]


def _switch(get, set_):
    """A property over one of _C's boolean switches."""
    return property(lambda self: get(), lambda self, on: set_(bool(on)))


class _Matmul:
    allow_tf32 = _switch(_C.cuda.matmul_allow_tf32, _C.cuda.set_matmul_allow_tf32)


class _Cuda:
    matmul = _Matmul()

    @staticmethod
    def is_built():
        return True


class _Cudnn:
    """``benchmark`` is accepted and has no effect: convolution algorithms are always chosen once
    per shape and cached. ``enabled`` is PyTorch's switch, kept for scripts that set it; cuDNN
    stays in use. ``deterministic`` makes convolutions use only cuDNN's deterministic algorithms."""

    enabled = True
    benchmark = False

    deterministic = _switch(_C.cuda.cudnn_deterministic, _C.cuda.set_cudnn_deterministic)
    allow_tf32 = _switch(_C.cuda.cudnn_allow_tf32, _C.cuda.set_cudnn_allow_tf32)

    @staticmethod
    def is_available():
        return _C.cuda.is_available()


cuda = _Cuda()
cudnn = _Cudnn()

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
