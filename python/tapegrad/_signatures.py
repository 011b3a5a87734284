"""inspect.signature of _C's classes, as for torch's Python classes.

pybind11's constructors are builtins without a text signature, so inspect.signature(tg.nn.Linear)
raised, and so did scripts that look for a keyword before passing it (nanoGPT's
``'fused' in inspect.signature(torch.optim.AdamW).parameters``). A property on pybind11's
metaclass answers ``cls.__signature__`` for a class whose __init__ is _C's: read from the
signature pybind11 writes at the head of the docstring, and for an optimizer (which parses
torch.optim's keywords itself) from its positional keywords and defaults. A class whose
__init__ is Python's gets None, so inspect reads that __init__ as usual.
"""
import ast
import inspect
import types

from . import _C
from ._c_classes import pybind11_type

# torch.optim's keywords that choose an implementation; tapegrad's optimizers take and ignore them.
_IMPLEMENTATION_KEYWORDS = {"foreach": None, "capturable": False, "differentiable": False, "fused": None}


class _Default:
    """A default pybind11 shows in a form that is no Python literal (an enum's repr)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _top_level_split(text):
    """text split at the commas outside brackets and quotes."""
    parts, depth, start, quote = [], 0, 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _parameter(part, kind):
    name, _, rest = part.partition(":")
    _, eq, default_text = rest.partition(" = ")
    if not eq:
        return inspect.Parameter(name.strip(), kind)
    try:
        default = ast.literal_eval(default_text.strip())
    except (ValueError, SyntaxError):
        default = _Default(default_text.strip())
    return inspect.Parameter(name.strip(), kind, default=default)


def _from_docstring(doc):
    """The Signature of pybind11's first docstring line ``__init__(self: T, a: int = 1, *, b) -> None``
    without self; None for an overloaded constructor."""
    head = (doc or "").split("\n", 1)[0]
    if "(" not in head or ") ->" not in head or head.startswith("__init__(*args, **kwargs)"):
        return None
    inner = head[head.index("(") + 1:head.rindex(") ->")]
    params, kind = [], inspect.Parameter.POSITIONAL_OR_KEYWORD
    for part in _top_level_split(inner)[1:]:
        if part == "*":
            kind = inspect.Parameter.KEYWORD_ONLY
        elif part == "/":
            params = [p.replace(kind=inspect.Parameter.POSITIONAL_ONLY) for p in params]
        elif part.startswith("**"):
            params.append(inspect.Parameter(part[2:].split(":")[0], inspect.Parameter.VAR_KEYWORD))
        elif part.startswith("*"):
            params.append(inspect.Parameter(part[1:].split(":")[0], inspect.Parameter.VAR_POSITIONAL))
            kind = inspect.Parameter.KEYWORD_ONLY
        else:
            params.append(_parameter(part, kind))
    try:
        return inspect.Signature(params)
    except ValueError:  # a form inspect does not allow; leave the class to inspect's own error
        return None


def _optimizer_signature(cls):
    """params, the positional keywords with their defaults, then the other options keyword-only."""
    probe = _C.zeros(2, 2, requires_grad=True)  # a matrix: Muon takes only those
    defaults = cls([probe]).defaults
    positional = list(cls._positional)
    P = inspect.Parameter
    params = [P("params", P.POSITIONAL_OR_KEYWORD)]
    params += [P(n, P.POSITIONAL_OR_KEYWORD, default=defaults.get(n, _IMPLEMENTATION_KEYWORDS.get(n)))
               for n in positional]
    params += [P(n, P.KEYWORD_ONLY, default=v) for n, v in defaults.items() if n not in positional]
    params += [P(n, P.KEYWORD_ONLY, default=v) for n, v in _IMPLEMENTATION_KEYWORDS.items()
               if n not in positional and n not in defaults]
    return inspect.Signature(params)


def _cpp_constructor(init):
    """_C's constructor under the package's Python wrappers of it (each names what it wraps in
    _tg_wraps or functools.wraps' __wrapped__, and the keywords it adds in _tg_keywords), and those
    keywords; None for a constructor written in Python."""
    keywords = {}
    while isinstance(init, types.FunctionType):
        keywords.update(getattr(init, "_tg_keywords", {}))
        init = getattr(init, "_tg_wraps", None) or getattr(init, "__wrapped__", None)
        if init is None:
            return None, {}
    return init, keywords


def _with_keywords(sig, keywords):
    if sig is None or not keywords:
        return sig
    params = list(sig.parameters.values())
    var_keyword = [p for p in params if p.kind == p.VAR_KEYWORD]
    params = [p for p in params if p.kind != p.VAR_KEYWORD]
    params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=v) for n, v in keywords.items()
               if n not in sig.parameters]
    return sig.replace(parameters=params + var_keyword)


_cache = {}


def _signature(cls):
    owner = next(c for c in cls.__mro__ if "__init__" in vars(c))
    init, keywords = _cpp_constructor(vars(owner)["__init__"])
    if init is None or owner is object:
        return None  # a Python __init__: inspect reads it
    if owner not in _cache:
        if hasattr(owner, "_positional") and hasattr(owner, "defaults"):
            _cache[owner] = _optimizer_signature(owner)
        else:
            _cache[owner] = _with_keywords(_from_docstring(init.__doc__), keywords)
    return _cache[owner]


pybind11_type.__signature__ = property(_signature, doc="inspect.signature's view of the constructor")
