"""Module attributes backed by _C's switches: a module whose class has properties, so that
``tg.backends.cudnn.deterministic = True`` reaches C++ (the way torch.backends' modules work)."""
import sys
import types


def switch(get, set_):
    """A property over one of _C's boolean switches."""
    return property(lambda self: get(), lambda self, on: set_(bool(on)))


def with_switches(module_name, **switches):
    """Gives the module named module_name the properties in switches."""
    module = sys.modules[module_name]
    module.__class__ = types.new_class("SwitchModule", (types.ModuleType,), exec_body=lambda ns: ns.update(switches))
