"""tg.signal, as torch.signal: window functions (tg.signal.windows)."""
from . import windows

__all__ = ["windows"]
