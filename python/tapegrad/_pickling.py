"""pickle's protocols 0 and 1 for the classes of _C. Under them pickle rebuilds an object through
copyreg._reconstructor, which makes a pybind11 instance in a way that aborts the process
("instance allocation failed"), as obj.__reduce__() did. Here those protocols take protocol 2's
route: a class that pickles (Tensor, device) is rebuilt by __new__ and __setstate__; any other
fails with pickle's TypeError."""
import copyreg

from ._c_classes import pybind11_classes

_default_getstate = getattr(object, "__getstate__", None)  # (Python 3.11 on)


def _reduce(self):
    cls = type(self)
    if cls.__reduce__ is not _reduce:  # a subclass's own
        return self.__reduce__()
    if getattr(cls, "__getstate__", None) in (None, _default_getstate) or not hasattr(cls, "__setstate__"):
        raise TypeError(f"cannot pickle '{cls.__module__}.{cls.__qualname__}' object")
    return copyreg.__newobj__, (cls,), self.__getstate__()


def _reduce_ex(self, protocol):
    return _reduce(self)  # the same at every protocol


for _cls in pybind11_classes():
    if "__reduce_ex__" not in vars(_cls) and "__reduce__" not in vars(_cls):
        _cls.__reduce_ex__ = _reduce_ex
        _cls.__reduce__ = _reduce
