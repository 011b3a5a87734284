"""tg.nn.attention: which implementations F.scaled_dot_product_attention may use, as
torch.nn.attention. tapegrad has one, the math backend (SDPBackend.MATH: matmul, softmax, matmul,
on every device), so a block that leaves MATH out makes attention raise rather than run another
implementation than the one asked for."""
import contextlib as _contextlib
import enum as _enum

from ...backends import cuda as _cuda_backend

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(_enum.IntEnum):
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_SWITCHES = {SDPBackend.MATH: "math", SDPBackend.FLASH_ATTENTION: "flash",
             SDPBackend.EFFICIENT_ATTENTION: "mem_efficient", SDPBackend.CUDNN_ATTENTION: "cudnn"}


@_contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block, scaled_dot_product_attention may use only `backends` (one SDPBackend or a
    list of them); the switches are restored after it."""
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    for b in chosen:
        if not isinstance(b, SDPBackend):
            raise TypeError(f"sdpa_kernel: expected SDPBackend values, got {b!r}")
    previous = dict(_cuda_backend._sdp)
    _cuda_backend._sdp.update({name: backend in chosen for backend, name in _SWITCHES.items()})
    try:
        yield {}
    finally:
        _cuda_backend._sdp.update(previous)
