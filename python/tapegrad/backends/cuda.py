"""tg.backends.cuda: ``matmul.allow_tf32`` (off by default) lets float32 matrix products use TF32
tensor cores, as torch.backends.cuda.matmul.allow_tf32."""
from .. import _C
from ._switches import switch


class _Matmul:
    allow_tf32 = switch(_C.cuda.matmul_allow_tf32, _C.cuda.set_matmul_allow_tf32)


matmul = _Matmul()


def is_built():
    """Whether this build has the CUDA backend (a GPU may still be missing: tg.cuda.is_available());
    tg.__config__.show() says which toolkit it was built with."""
    return "CUDA: built with" in _C._config_show()
