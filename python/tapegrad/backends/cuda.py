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
    return bool(_C.cuda._compiled_version())


# Which implementations scaled_dot_product_attention may use (torch.backends.cuda's *_sdp switches,
# all on by default; tg.nn.attention.sdpa_kernel sets them for a block). tapegrad has one, the math
# backend (matmul, softmax, matmul) on every device: with it switched off attention raises.
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled():
    return _sdp["math"]


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = bool(enabled)


class sdp_kernel:
    """torch's older context manager for the switches (tg.nn.attention.sdpa_kernel is the newer)."""

    def __init__(self, enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
        self._wanted = {"flash": enable_flash, "math": enable_math, "mem_efficient": enable_mem_efficient,
                        "cudnn": enable_cudnn}

    def __enter__(self):
        self._previous = dict(_sdp)
        _sdp.update({k: bool(v) for k, v in self._wanted.items()})
        return self

    def __exit__(self, *exc):
        _sdp.update(self._previous)
        return False
