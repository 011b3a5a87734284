"""Grad mode as context managers and decorators (torch.no_grad's behaviour)."""
import functools

from .. import _C

is_grad_enabled = _C.autograd.is_grad_enabled


class _GradModeContext:
    _mode = True

    def __new__(cls, *args):
        # @tg.no_grad (without parentheses) decorates the function directly.
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]):
            return super().__new__(cls)(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = _C.autograd.is_grad_enabled()
        _C.autograd.set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _C.autograd.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Ops inside do not record the tape: ``with tg.no_grad():`` or ``@tg.no_grad()``."""

    _mode = False


class enable_grad(_GradModeContext):
    """Ops inside record the tape even within ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode: as a function call for the rest of the thread, or as a context manager."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self._prev = _C.autograd.is_grad_enabled()
        _C.autograd.set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C.autograd.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        mode = self._mode
        _C.autograd.set_grad_enabled(self._prev)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper
