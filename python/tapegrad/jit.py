"""tg.jit: torch.jit's decorators and queries, for code written with TorchScript in mind.

tapegrad runs eagerly (as its tg.compile does): ``script`` and ``trace`` return the function or
module they are given, which computes what the compiled one would; ``ignore``, ``unused``,
``export`` and ``script_method`` leave functions as they are; ``is_scripting()`` and
``is_tracing()`` are False; ``fork`` runs its function at once. TorchScript archives are not
supported: ``save`` and ``load`` raise (``tg.save`` writes a state_dict as safetensors)."""
import typing

from .nn import Module

__all__ = ["Attribute", "Final", "ScriptFunction", "ScriptModule", "annotate", "export", "fork", "ignore",
           "interface", "is_scripting", "is_tracing", "load", "save", "script", "script_method", "trace", "unused",
           "wait"]

Final = typing.Final


class ScriptModule(Module):
    """torch.jit.ScriptModule as a base class: an nn.Module (its script_method methods run eagerly)."""


class ScriptFunction:
    """Never made here (script returns the function itself); kept for isinstance checks."""


def script(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """The function or module itself."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """The function or module itself: it computes what the recorded trace would for inputs
    like example_inputs (and follows data-dependent branches, which a trace would not)."""
    return func


def _as_is(fn=None, **kwargs):
    """@unused, @export, @script_method, @interface (with or without arguments): fn as it is."""
    return (lambda f: f) if fn is None else fn


def ignore(drop=False, **kwargs):
    """@ignore and @ignore(drop=True): the function as it is."""
    return drop if callable(drop) else (lambda f: f)


unused = export = script_method = interface = _as_is


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def Attribute(value, type=None):  # noqa: N802  (torch's name)
    return value


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value


def fork(func, *args, **kwargs):
    """Runs func(*args, **kwargs) now; wait() on the result gives its value."""
    return _Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def save(m, f, _extra_files=None):
    raise RuntimeError("tg.jit.save: TorchScript archives are not supported; save the module's state_dict with "
                       "tg.save (safetensors) instead")


def load(f, map_location=None, _extra_files=None):
    raise RuntimeError("tg.jit.load: TorchScript archives are not supported; build the module in Python and load "
                       "its state_dict with tg.load")
