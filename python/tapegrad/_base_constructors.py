"""A base class's __init__ or __setstate__ run on an object of a subclass raises TypeError.

pybind11 (3.1) aborts the process on nn.Module.__init__(self) in a subclass of nn.Linear, or on
nn.Dropout.__init__(nn.AlphaDropout()): it looks in the object for the base class's C++ part,
which the object does not hold (its part is the Linear, the AlphaDropout), and throws outside its
error handling. Each such method of a class that other _C classes derive from is wrapped here in a
check that raises first. A class's own (the call super().__init__() makes) passes the check.
"""
import inspect
import types

from . import _C
from ._c_classes import pybind11_classes

_CONSTRUCTORS = ("__init__", "__setstate__")


def _guarded(cls, name, original):
    # (*args, **kwargs) and the original's docstring: pybind11-stubgen and help() then read the
    # overloads' signatures from the docstring, as they did from the original. An original that is
    # the package's own Python wrapper lends its signature.
    def guarded(*args, **kwargs):
        if args and isinstance(args[0], cls):
            parts = _C._cpp_parts(args[0])
            if cls not in parts:
                held = " and ".join(part.__name__ for part in parts)
                raise TypeError(
                    f"{cls.__name__}.{name}() cannot build a {cls.__name__} inside this "
                    f"{type(args[0]).__name__}, whose C++ part is of class {held}: call {held}.{name}() "
                    f"instead (super().{name}(...) in a subclass)")
        return original(*args, **kwargs)

    guarded.__name__ = name
    guarded.__qualname__ = f"{cls.__qualname__}.{name}"
    guarded.__module__ = cls.__module__
    guarded.__doc__ = original.__doc__
    if isinstance(original, types.FunctionType):
        guarded.__signature__ = inspect.signature(original)
    guarded._tg_wraps = original  # _signatures finds _C's constructor under it
    return guarded


def _install():
    classes = set(pybind11_classes())
    bases = {base for cls in classes for base in cls.__mro__[1:] if base in classes}
    for cls in bases:
        for name in _CONSTRUCTORS:
            if name in vars(cls):
                setattr(cls, name, _guarded(cls, name, getattr(cls, name)))


_install()
