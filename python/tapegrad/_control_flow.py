"""torch.cond and torch.while_loop: data-dependent control flow as functions, run eagerly (what
torch does outside torch.compile)."""
from ._C import Tensor

__all__ = ["cond", "while_loop"]


def _truth(value, what):
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"Expected {what} to be bool or single-element tensor, but got a tensor of shape "
                               f"{list(value.shape)}")
        return bool(value.item())
    if isinstance(value, (bool, int, float)):
        return bool(value)
    raise RuntimeError(f"Expected {what} to be bool or tensor, but got {type(value).__name__}")


def cond(pred, true_fn, false_fn, operands=()):
    """``true_fn(*operands)`` if ``pred`` (a bool, a number or a one-element tensor), else
    ``false_fn(*operands)``."""
    return true_fn(*operands) if _truth(pred, "pred") else false_fn(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """While ``cond_fn(*carried)`` holds, ``carried = body_fn(*carried)``; returns the last
    carried values as a tuple. ``body_fn`` returns as many values as ``carried_inputs`` holds."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"while_loop: carried_inputs must be a tuple or a list, got "
                           f"{type(carried_inputs).__name__}")
    carried = tuple(carried_inputs)
    while _truth(cond_fn(*carried), "cond_fn's output"):
        out = body_fn(*carried)
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(carried):
            raise RuntimeError(f"while_loop: body_fn returned {len(out)} values for {len(carried)} carried inputs")
        carried = out
    return carried
