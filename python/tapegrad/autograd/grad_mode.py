"""Grad mode as context managers and decorators (torch.no_grad's behaviour)."""
import functools
import threading

from .. import _C

is_grad_enabled = _C.autograd.is_grad_enabled


class _GradModeContext:
    _mode = True

    def __new__(cls, *args, **kwargs):
        # @tg.no_grad (without parentheses) decorates the function directly.
        if cls is not set_grad_enabled and len(args) == 1 and not kwargs and callable(args[0]):
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


_inference = threading.local()


def is_inference_mode_enabled():
    """Whether this thread is inside ``inference_mode()``."""
    return getattr(_inference, "on", False)


class inference_mode(_GradModeContext):
    """torch.inference_mode: ops inside record no tape, as in ``no_grad``. tapegrad has no separate
    inference tensors, so what is made inside may later take part in autograd, where PyTorch
    would refuse. ``inference_mode(False)`` leaves grad mode as it is."""

    def __init__(self, mode=True):
        self._enabled = bool(mode)

    def __enter__(self):
        self._prev = _C.autograd.is_grad_enabled()
        self._prev_inference = is_inference_mode_enabled()
        _inference.on = self._enabled
        if self._enabled:
            _C.autograd.set_grad_enabled(False)
        return self

    def __exit__(self, *exc):
        _C.autograd.set_grad_enabled(self._prev)
        _inference.on = self._prev_inference
        return False

    def __call__(self, fn):
        enabled = getattr(self, "_enabled", True)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(enabled):
                return fn(*args, **kwargs)

        return wrapper
