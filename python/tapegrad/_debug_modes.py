"""torch.set_deterministic_debug_mode / get_deterministic_debug_mode: the deterministic-algorithms
switch as one number, 0 ("default": off), 1 ("warn": warn_only) or 2 ("error")."""
from . import _C

__all__ = ["set_deterministic_debug_mode", "get_deterministic_debug_mode"]

_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    """``tg.set_deterministic_debug_mode("warn")``: nondeterministic kernels warn (1), raise
    ("error", 2) or are allowed ("default", 0); see use_deterministic_algorithms."""
    if isinstance(debug_mode, str):
        if debug_mode not in _MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _MODES[debug_mode]
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode).__name__}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    _C.use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    """0, 1 or 2, as set_deterministic_debug_mode takes them."""
    if not _C.are_deterministic_algorithms_enabled():
        return 0
    return 1 if _C.is_deterministic_algorithms_warn_only_enabled() else 2
