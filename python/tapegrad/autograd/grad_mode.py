"""Grad mode as context managers and decorators (torch.no_grad's behaviour)."""
import functools

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


is_inference_mode_enabled = _C.autograd.is_inference_mode_enabled


class inference_mode(_GradModeContext):
    """torch.inference_mode (C++ tg::InferenceMode): ops inside record no tape, as in ``no_grad``,
    and the tensors made inside are inference tensors (``is_inference()``), which outside cannot be
    modified in place, saved for backward or made to require grad: ``clone()`` one to get a normal
    tensor. ``inference_mode(False)`` leaves grad mode as it is and makes normal tensors."""

    def __init__(self, mode=True):
        self._enabled = bool(mode)

    def __enter__(self):
        self._prev = _C.autograd.is_grad_enabled()
        self._prev_inference = _C.autograd.is_inference_mode_enabled()
        _C.autograd._set_inference_mode(self._enabled)
        if self._enabled:
            _C.autograd.set_grad_enabled(False)
        return self

    def __exit__(self, *exc):
        _C.autograd.set_grad_enabled(self._prev)
        _C.autograd._set_inference_mode(self._prev_inference)
        return False

    def __call__(self, fn):
        enabled = getattr(self, "_enabled", True)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(enabled):
                return fn(*args, **kwargs)

        return wrapper
