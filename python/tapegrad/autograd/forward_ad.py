"""tg.autograd.forward_ad: forward-mode AD with dual tensors, as torch.autograd.forward_ad.

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, direction)
        jvp = fwAD.unpack_dual(f(x)).tangent

Inside a dual level every differentiable op on a tensor with a tangent gives its output the
tangent J·t as it runs (under no_grad too). Views of a dual tensor get the same view of its
tangent and in-place ops update it. There is one level at a time per thread; exiting it drops
every tangent. Custom Functions take part through their jvp staticmethod (as PyTorch's, with
ctx.save_for_forward), and refuse dual inputs without one."""
from collections import namedtuple

from .. import _C

_A = _C.autograd

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


def enter_dual_level():
    """Enters this thread's dual level and returns its number (0); only one may be active."""
    return _A._enter_dual_level()


def exit_dual_level(*, level=None):
    """Exits the dual level, dropping the tangents of every tensor that got one in it."""
    if level not in (None, 0):
        raise RuntimeError(f"exit_dual_level: level {level} is not the active dual level (0)")
    _A._exit_dual_level()


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (same shape, dtype and device) in the dual level.
    The view stays differentiable in reverse mode with respect to ``tensor``."""
    if level not in (None, 0):
        raise RuntimeError(f"make_dual: level {level} is not the active dual level (0)")
    if not _A._dual_level_active():
        raise RuntimeError("make_dual: no dual level is active; use it inside `with tg.autograd.forward_ad."
                           "dual_level():`")
    return _A._make_dual(tensor, tangent)


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: a view of ``tensor`` without its tangent, and the tangent (None when
    it has none). Named fields ``primal`` and ``tangent``."""
    if level not in (None, 0):
        raise RuntimeError(f"unpack_dual: level {level} is not the active dual level (0)")
    primal, tangent = _A._unpack_dual(tensor)
    return UnpackedDualTensor(primal, tangent)


class dual_level:
    """Context manager for a dual level: ``with dual_level(): ...``. Its value is the level (0)."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "dual_level"]
