"""tg.compiler, as torch.compiler for a library that only runs eagerly: nothing is ever traced or
compiled, so the queries answer False and the decorators give back the function they wrap, which
then runs as it is. Model code that asks ``torch.compiler.is_compiling()`` or marks functions
with ``@torch.compiler.disable`` runs unchanged."""
import contextlib as _contextlib


def compile(*args, **kwargs):  # noqa: A001  (torch.compiler.compile)
    """tg.compile: returns the model unchanged."""
    from . import compile as _compile

    return _compile(*args, **kwargs)


def is_compiling():
    """False: no code runs under a compiler here."""
    return False


def is_dynamo_compiling():
    return False


def is_exporting():
    return False


def _identity_decorator(fn):
    return fn if fn is not None else (lambda f: f)


def disable(fn=None, recursive=True, *, reason=None):
    """Keeps `fn` out of compilation: here it always runs eagerly (usable with or without a call)."""
    return _identity_decorator(fn)


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn


def nonstrict_trace(traceable_fn):
    return traceable_fn


def substitute_in_graph(original_fn, *, can_constant_fold_through=False, skip_signature_check=False):
    """The substitute is for a compiler's graphs: eagerly the original runs, so this returns it."""
    return lambda substitute: original_fn


def reset():
    """Clears compiled code: there is none."""


def cudagraph_mark_step_begin():
    """Marks a training step for CUDA graphs of compiled code: there are none."""


def list_backends(exclude_tags=("debug", "experimental")):
    """No compiler backends: every model runs eagerly."""
    return []


class set_stance(_contextlib.ContextDecorator):
    """How a compiler should treat compiled functions ("default", "force_eager", ...): all run
    eagerly here whatever it says. Usable as a call, a ``with`` block or a decorator."""

    _STANCES = ("default", "force_eager", "eager_on_recompile", "fail_on_recompile", "eager_then_compile",
                "aot_eager_then_compile")

    def __init__(self, stance="default", *, skip_guard_eval_unsafe=False, force_backend=None):
        if stance not in self._STANCES:
            raise ValueError(f"set_stance: unknown stance {stance!r}; expected one of {', '.join(self._STANCES)}")
        self.stance = stance

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
