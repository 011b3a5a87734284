"""What torch.nn's dict-like and list-like containers offer beyond the C++ bindings, written over
them: ModuleDict.pop/update/clear, ParameterDict's dict methods, ParameterList item assignment
and +=, and the constructors keeping the Python objects of the modules they are given."""
from .._C.nn import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .parameter import Parameter

_MISSING = object()


def _keep_given_modules(cls):
    # A C++ container holds its modules as C++ objects. Listing its children once, while the
    # modules given to the constructor are alive, makes it keep their Python objects (and the
    # attributes set on them), as a torch.nn container does.
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        for _ in self.named_children():
            pass

    __init__.__doc__ = init.__doc__
    cls.__init__ = __init__


for _container in (Sequential, ModuleList, ModuleDict):
    _keep_given_modules(_container)


def _pairs(values, what):
    # A mapping's items, or an iterable of (key, value) pairs, as dict.update takes them.
    if hasattr(values, "keys"):
        return [(k, values[k]) for k in values.keys()]
    pairs = []
    for j, pair in enumerate(values):
        try:
            key, value = pair
        except (TypeError, ValueError):
            raise ValueError(f"{what}.update: element #{j} of the iterable is not a (key, value) pair") from None
        pairs.append((key, value))
    return pairs


def _module_dict_pop(self, key):
    """Removes the module under key and returns it (KeyError when there is none)."""
    module = self[key]
    del self[key]
    return module


def _module_dict_update(self, modules):
    """Adds (or replaces) the modules of a mapping or of an iterable of (key, module) pairs."""
    for key, module in _pairs(modules, "ModuleDict"):
        self[key] = module


def _module_dict_clear(self):
    """Removes every module."""
    for key in list(self.keys()):
        del self[key]


def _attach(cls, **methods):
    for name, method in methods.items():
        setattr(cls, name, method)


_attach(ModuleDict, pop=_module_dict_pop, update=_module_dict_update, clear=_module_dict_clear)


def _as_parameter(value):
    # torch.nn.ParameterDict/List wrap a plain tensor as a Parameter.
    return value if isinstance(value, Parameter) else Parameter(value)


_cpp_parameter_dict_setitem = ParameterDict.__setitem__


def _parameter_dict_setitem(self, key, value):
    _cpp_parameter_dict_setitem(self, key, _as_parameter(value))


def _parameter_dict_delitem(self, key):
    if key not in self:
        raise KeyError(key)
    delattr(self, key)


def _parameter_dict_get(self, key, default=None):
    """The parameter under key, or default."""
    return self[key] if key in self else default


def _parameter_dict_pop(self, key, default=_MISSING):
    """Removes the parameter under key and returns it (default, or KeyError, when there is none)."""
    if key not in self:
        if default is _MISSING:
            raise KeyError(key)
        return default
    value = self[key]
    del self[key]
    return value


def _parameter_dict_popitem(self):
    """Removes the last parameter added and returns (key, parameter)."""
    keys = self.keys()
    if not keys:
        raise KeyError("popitem(): ParameterDict is empty")
    return keys[-1], self.pop(keys[-1])


def _parameter_dict_setdefault(self, key, default=None):
    """The parameter under key; when there is none, default stored there first."""
    if key not in self:
        self[key] = default
    return self[key]


def _parameter_dict_update(self, values):
    """Adds (or replaces) the parameters of a mapping or of an iterable of (key, value) pairs."""
    for key, value in _pairs(values, "ParameterDict"):
        self[key] = value


def _parameter_dict_clear(self):
    """Removes every parameter."""
    for key in self.keys():
        del self[key]


def _parameter_dict_copy(self):
    """A new ParameterDict holding the same parameters (not copies)."""
    return ParameterDict({key: self[key] for key in self.keys()})


def _parameter_dict_fromkeys(self, keys, default=None):
    """A new ParameterDict with every key set to default."""
    return ParameterDict({key: default for key in keys})


def _parameter_dict_or(self, other):
    out = self.copy()
    out.update(other)
    return out


def _parameter_dict_ior(self, other):
    self.update(other)
    return self


_attach(ParameterDict, __setitem__=_parameter_dict_setitem, __delitem__=_parameter_dict_delitem,
        get=_parameter_dict_get, pop=_parameter_dict_pop, popitem=_parameter_dict_popitem,
        setdefault=_parameter_dict_setdefault, update=_parameter_dict_update, clear=_parameter_dict_clear,
        copy=_parameter_dict_copy, fromkeys=_parameter_dict_fromkeys, __or__=_parameter_dict_or,
        __ior__=_parameter_dict_ior)


def _parameter_list_setitem(self, index, value):
    n = len(self)
    if not -n <= index < n:
        raise IndexError(f"ParameterList: index {index} is out of range for {n} parameters")
    setattr(self, str(index % n), _as_parameter(value))


def _parameter_list_iadd(self, values):
    return self.extend(values)


_attach(ParameterList, __setitem__=_parameter_list_setitem, __iadd__=_parameter_list_iadd)
