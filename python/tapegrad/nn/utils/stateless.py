"""tg.nn.utils.stateless.functional_call: PyTorch's older name for tg.func.functional_call."""
from ...func import functional_call  # noqa: F401

__all__ = ["functional_call"]
