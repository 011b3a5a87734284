"""tg.nn.utils.parametrize: a module's tensor computed from parameters of its own, as in PyTorch
(``register_parametrization(linear, "weight", Symmetric())``: the weight is then
``Symmetric()(original)`` wherever the module reads it).

The originals live in ``module.parametrizations[name]`` (state_dict keys
``parametrizations.weight.original``, PyTorch's). A Python module reads the computed tensor as an
attribute; a C++ layer reads the member bound to the name, which a forward pre-hook sets to the
computed tensor before each call.
"""
import contextlib
import weakref

from ... import _C
from ...autograd import no_grad
from ..parameter import Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization", "remove_parametrizations",
           "type_before_parametrizations", "transfer_parametrizations_and_params"]

_cache_depth = 0
_cache = {}
_refresh_hooks = weakref.WeakKeyDictionary()  # module -> the pre-hook that sets its members


@contextlib.contextmanager
def cached():
    """Within this block each parametrized tensor is computed once, on first use."""
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if _cache_depth == 0:
            _cache.clear()


class ParametrizationList(_C.nn.Module):
    """The parametrizations of one tensor, applied in order to ``original`` (or to
    ``original0``, ``original1``, ... when the first one's right_inverse returns several)."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__()
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        for i, m in enumerate(modules):
            self.add_module(str(i), m)
        self.unsafe = unsafe
        self._is_parameter = isinstance(original, Parameter)
        with no_grad():
            new = original
            for m in reversed(modules):
                if hasattr(m, "right_inverse"):
                    new = m.right_inverse(new)
        self.is_tensor = isinstance(new, _C.Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and (new.dtype != original.dtype or new.shape != original.shape):
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype or shape; "
                                 f"got {new.dtype} {tuple(new.shape)} for {original.dtype} {tuple(original.shape)}")
            with no_grad():
                original.data = new.detach()  # the same Parameter object: optimizers holding it still work
            self._register("original", original)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, _C.Tensor):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors, got {type(t)}")
                held = Parameter(t.detach(), original.requires_grad) if self._is_parameter else t.detach()
                self._register(f"original{i}", held)
        if not unsafe:
            value = self()
            if not isinstance(value, _C.Tensor):
                raise ValueError(f"A parametrization must return a tensor, got {type(value)}")
            if value.dtype != original.dtype or value.shape != original.shape:
                raise ValueError(f"Registering a parametrization may not change the dtype or shape of the tensor, "
                                 f"unless `unsafe=True`: {original.dtype} {tuple(original.shape)} became "
                                 f"{value.dtype} {tuple(value.shape)}")

    def _register(self, name, tensor):
        if isinstance(tensor, Parameter):
            setattr(self, name, tensor)
        else:
            self.register_buffer(name, tensor)

    def __len__(self):
        return len(list(self.children()))

    def __getitem__(self, i):
        return list(self.children())[i]

    def __iter__(self):
        return iter(list(self.children()))

    def append(self, module):
        self.add_module(str(len(self)), module)

    def right_inverse(self, value):
        """Sets the originals so that the parametrized tensor becomes ``value``."""
        with no_grad():
            for m in reversed(list(self.children())):
                if not hasattr(m, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(m).__name__} does not implement right_inverse.")
                value = m.right_inverse(value)
            if self.is_tensor:
                if value.dtype != self.original.dtype or value.shape != self.original.shape:
                    raise ValueError(f"right_inverse may not change the dtype or shape: got {value.dtype} "
                                     f"{tuple(value.shape)} for {self.original.dtype} {tuple(self.original.shape)}")
                self.original.data = value.detach()
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").data = t.detach()

    def forward(self):
        parts = list(self.children())
        if self.is_tensor:
            x = parts[0](self.original)
        else:
            x = parts[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in parts[1:]:
            x = m(x)
        return x


def _computed(module):
    return module.__dict__.setdefault("_tg_computed", {})


def _value(module, name):
    if _cache_depth == 0:
        return module.__dict__["_tg_computed"][name][1](module)
    key = (id(module), name)
    if key not in _cache:
        _cache[key] = module.__dict__["_tg_computed"][name][1](module)
    return _cache[key]


def _assign(module, name, value):
    kind = module.__dict__["_tg_computed"][name][0]
    if kind != "parametrization":
        raise AttributeError(f"{module._get_name()}.{name} is computed by {kind}; remove_{kind} first to assign it")
    module.parametrizations[name].right_inverse(value)


def _refresh_members(module, inputs):
    for name in module.__dict__.get("_tg_computed", {}):
        if module._member_bound(name):
            module._assign_member(name, _value(module, name))


def _add_computed(module, name, compute, kind):
    """Makes `name` a tensor computed by compute(module) wherever the module reads it."""
    _computed(module)[name] = (kind, compute)  # module.name reads it through _value (Module.__getattr__)
    if module._member_bound(name):
        if module not in _refresh_hooks:
            _refresh_hooks[module] = module.register_forward_pre_hook(_refresh_members)
        with no_grad():
            module._assign_member(name, compute(module))


def _remove_computed(module, name):
    computed = _computed(module)
    del computed[name]
    if not computed:
        del module.__dict__["_tg_computed"]
        handle = _refresh_hooks.pop(module, None)
        if handle is not None:
            handle.remove()


def _kind(module, name):
    computed = module.__dict__.get("_tg_computed", {})
    return computed[name][0] if name in computed else None


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given)."""
    names = [n for n, (kind, _) in module.__dict__.get("_tg_computed", {}).items() if kind == "parametrization"]
    return bool(names) if tensor_name is None else tensor_name in names


def type_before_parametrizations(module):
    """The module's class (parametrizing does not change it here)."""
    return type(module)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Makes ``module.<tensor_name>`` the output of ``parametrization`` (a Module) applied to a new
    parameter ``module.parametrizations[tensor_name].original`` holding the current tensor (or its
    ``right_inverse``). Registering again on the same name chains the parametrizations."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            value = parametrization(current)
            if not isinstance(value, _C.Tensor) or value.dtype != current.dtype or value.shape != current.shape:
                raise ValueError("Registering a parametrization may not change the dtype or shape of the tensor, "
                                 "unless `unsafe=True`")
        module.parametrizations[tensor_name].append(parametrization)
        return module
    own_parameters = dict(module.named_parameters(recurse=False))
    own_buffers = dict(module.named_buffers(recurse=False))
    if tensor_name not in own_parameters and tensor_name not in own_buffers:
        raise ValueError(f"Module '{module._get_name()}' does not have a parameter, a buffer, or a parametrized "
                         f"element with name '{tensor_name}'")
    original = own_parameters.get(tensor_name, own_buffers.get(tensor_name))
    parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if "parametrizations" not in dict(module.named_children()):
        module.parametrizations = _C.nn.ModuleDict()
    module.parametrizations[tensor_name] = parametrizations
    _add_computed(module, tensor_name, lambda m: m.parametrizations[tensor_name](), "parametrization")
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undoes register_parametrization: ``tensor_name`` becomes a plain parameter (or buffer) again,
    holding the parametrized value (``leave_parametrized=True``) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module._get_name()} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
                if value.dtype != original.dtype:
                    raise ValueError(f"remove_parametrizations: the parametrized tensor is {value.dtype} and the "
                                     f"original {original.dtype}; register it with unsafe=False to remove it")
                original.data = value.detach()
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
        with no_grad():
            value = getattr(module, tensor_name).detach()
        original = Parameter(value, parametrizations.original0.requires_grad) if parametrizations._is_parameter \
            else value
    _remove_computed(module, tensor_name)
    del module.parametrizations[tensor_name]
    if len(module.parametrizations) == 0:
        delattr(module, "parametrizations")
    if isinstance(original, Parameter):
        setattr(module, tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    return module


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Gives ``to_module`` the parametrizations of ``from_module`` (on ``tensor_name``, or all),
    sharing the parametrization modules, with copies of the originals."""
    names = [tensor_name] if tensor_name is not None else [
        n for n, (kind, _) in from_module.__dict__.get("_tg_computed", {}).items() if kind == "parametrization"]
    for name in names:
        source = from_module.parametrizations[name]
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach().clone()))
        for parametrization in source:
            register_parametrization(to_module, name, parametrization, unsafe=True)
        target = to_module.parametrizations[name]
        with no_grad():
            if source.is_tensor:
                target.original.data = source.original.detach().clone()
            else:
                for i in range(source.ntensors):
                    getattr(target, f"original{i}").data = getattr(source, f"original{i}").detach().clone()
    return to_module
