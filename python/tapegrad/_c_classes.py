"""The pybind11 classes of tapegrad._C and of its submodules: what the package's fixes to them walk."""
import types

from . import _C

pybind11_type = type(_C.Tensor)  # the metaclass of pybind11's classes


def pybind11_classes(module=_C, seen=None):
    """Each class once, found through the modules' attributes."""
    seen = set() if seen is None else seen
    for value in vars(module).values():
        if id(value) in seen:
            continue
        if isinstance(value, type) and type(value) is pybind11_type:
            seen.add(id(value))
            yield value
        elif isinstance(value, types.ModuleType) and value.__name__.startswith("tapegrad._C"):
            seen.add(id(value))
            yield from pybind11_classes(value, seen)
