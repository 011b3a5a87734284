"""Optimizer to subclass in Python, as torch.optim.Optimizer: ``super().__init__(params,
defaults)``, then ``step()`` over ``self.param_groups`` (dicts holding 'params' and the options)
with per-parameter state in ``self.state[p]``. tapegrad's LR schedulers, zero_grad and GradScaler
drive such an optimizer as any other; state_dict and load_state_dict use torch's format.
Step hooks (per optimizer and global) run around every optimizer's step, C++ or Python."""
import collections
import functools

from .._C import Tensor
from .._C import optim as _C_optim
from .._C.optim import Optimizer
from ..utils.hooks import add_hook, add_own_hook

__all__ = ["Optimizer", "register_optimizer_step_post_hook", "register_optimizer_step_pre_hook", "required"]


class _RequiredParameter:
    """The default of an option that each parameter group must give."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_construct = Optimizer.__init__
_cpp_state_dict = Optimizer.state_dict
_cpp_load_state_dict = Optimizer.load_state_dict


def __init__(self, params, defaults):
    _construct(self)
    self.defaults = dict(defaults)
    self.state = collections.defaultdict(dict)
    self.param_groups = []
    if isinstance(params, Tensor):
        raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                        f"{type(params).__name__}")
    groups = list(params)
    if not groups:
        raise ValueError("optimizer got an empty parameter list")
    if not isinstance(groups[0], dict):
        groups = [{"params": groups}]
    for group in groups:
        self.add_param_group(group)


def add_param_group(self, param_group):
    """Adds a group: a dict with 'params' and the options it sets (the others from defaults)."""
    if not self._is_python_optimizer:
        raise TypeError(f"{type(self).__name__} has no add_param_group")
    if not isinstance(param_group, dict):
        raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
    params = param_group["params"]
    if isinstance(params, Tensor):
        params = [params]
    elif isinstance(params, set):
        raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                        "tensors in sets will change between runs. Please use a list instead.")
    else:
        params = list(params)
    group = dict(param_group, params=params)
    for name, default in self.defaults.items():
        if default is required and name not in group:
            raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
        group.setdefault(name, default)
    self._add_group_params(params)  # checks leaves, dtypes and duplicates as every optimizer does
    self.param_groups.append(group)


def state_dict(self):
    """{'state': {index: {name: value}}, 'param_groups': [{option: value, 'params': [index]}]},
    the parameters numbered in group order, as torch saves it; the state_dict hooks run around it."""
    for hook in list(self.__dict__.get("_optimizer_state_dict_pre_hooks", {}).values()):
        hook(self)
    saved = _cpp_state_dict(self) if not self._is_python_optimizer else _python_state_dict(self)
    for hook in list(self.__dict__.get("_optimizer_state_dict_post_hooks", {}).values()):
        replaced = hook(self, saved)
        if replaced is not None:
            saved = replaced
    return saved


def _python_state_dict(self):
    index, groups = {}, []
    for group in self.param_groups:
        packed = {k: v for k, v in group.items() if k != "params"}
        for p in group["params"]:
            index.setdefault(id(p), len(index))
        packed["params"] = [index[id(p)] for p in group["params"]]
        groups.append(packed)
    state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
    return {"state": state, "param_groups": groups}


def _like_param(param, key, value):
    # torch's rule: floating-point state takes the parameter's dtype (but the step count), and
    # every tensor its device.
    if isinstance(value, Tensor):
        if key != "step" and value.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _like_param(param, k, v) for k, v in value.items()}
    return value


def load_state_dict(self, state_dict):
    """Restores what state_dict returned (groups and parameters matched by position); the
    load_state_dict hooks run around it (a pre hook may hand back another state_dict)."""
    for hook in list(self.__dict__.get("_optimizer_load_state_dict_pre_hooks", {}).values()):
        replaced = hook(self, state_dict)
        if replaced is not None:
            state_dict = replaced
    if not self._is_python_optimizer:
        _cpp_load_state_dict(self, state_dict)
    else:
        _python_load_state_dict(self, state_dict)
    for hook in list(self.__dict__.get("_optimizer_load_state_dict_post_hooks", {}).values()):
        hook(self)


def _python_load_state_dict(self, state_dict):
    groups, saved = self.param_groups, state_dict["param_groups"]
    if len(groups) != len(saved):
        raise ValueError("loaded state dict has a different number of parameter groups")
    if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
        raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                         "group")
    params = {old: p for g, s in zip(groups, saved) for old, p in zip(s["params"], g["params"])}
    state = collections.defaultdict(dict)
    for key, value in state_dict["state"].items():
        if key in params:
            state[params[key]] = _like_param(params[key], None, value)
        else:
            state[key] = value
    self.state = state
    self.param_groups = [dict(s, params=g["params"]) for g, s in zip(groups, saved)]


def __repr__(self):
    if not self._is_python_optimizer:
        return object.__repr__(self)
    lines = [f"{type(self).__name__} ("]
    for i, group in enumerate(self.param_groups):
        lines.append(f"Parameter Group {i}")
        lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
    return "\n".join(lines + [")"])


__init__.__doc__ = "Optimizer(params, defaults): params an iterable of tensors or of group dicts."
for _fn in (__init__, add_param_group, state_dict, load_state_dict, __repr__):
    setattr(Optimizer, _fn.__name__, _fn)


# ---- step hooks, as torch.optim's: pre hooks may replace step's (args, kwargs) ----
_global_step_pre_hooks = collections.OrderedDict()
_global_step_post_hooks = collections.OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` before every optimizer's step."""
    return add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """``hook(optimizer, args, kwargs) -> None`` after every optimizer's step."""
    return add_hook(_global_step_post_hooks, hook)


def register_step_pre_hook(self, hook):
    """``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` before this optimizer's step."""
    return add_own_hook(self, "_optimizer_step_pre_hooks", hook)


def register_step_post_hook(self, hook):
    """``hook(optimizer, args, kwargs) -> None`` after this optimizer's step."""
    return add_own_hook(self, "_optimizer_step_post_hooks", hook)


def register_state_dict_pre_hook(self, hook, prepend=False):
    """``hook(optimizer)`` before state_dict."""
    return add_own_hook(self, "_optimizer_state_dict_pre_hooks", hook, prepend)


def register_state_dict_post_hook(self, hook, prepend=False):
    """``hook(optimizer, state_dict) -> None or a state_dict to return instead`` after state_dict."""
    return add_own_hook(self, "_optimizer_state_dict_post_hooks", hook, prepend)


def register_load_state_dict_pre_hook(self, hook, prepend=False):
    """``hook(optimizer, state_dict) -> None or a state_dict to load instead`` before loading."""
    return add_own_hook(self, "_optimizer_load_state_dict_pre_hooks", hook, prepend)


def register_load_state_dict_post_hook(self, hook, prepend=False):
    """``hook(optimizer)`` after load_state_dict."""
    return add_own_hook(self, "_optimizer_load_state_dict_post_hooks", hook, prepend)


def _with_step_hooks(step):
    # As in torch, the hooks' args are step's own, the optimizer first.
    @functools.wraps(step)
    def hooked_step(*args, **kwargs):
        self = args[0]
        own = self.__dict__
        pre, post = own.get("_optimizer_step_pre_hooks"), own.get("_optimizer_step_post_hooks")
        if not (pre or post or _global_step_pre_hooks or _global_step_post_hooks):
            return step(*args, **kwargs)
        for hook in (*_global_step_pre_hooks.values(), *(pre or {}).values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{type(self).__name__}.step's pre hook {hook} must return None or a tuple "
                                       f"of (new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in (*(post or {}).values(), *_global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    hooked_step._tg_step_hooks = True
    return hooked_step


def __init_subclass__(cls, **kwargs):
    super(Optimizer, cls).__init_subclass__(**kwargs)
    step = cls.__dict__.get("step")
    if step is not None and not getattr(step, "_tg_step_hooks", False):
        cls.step = _with_step_hooks(step)  # a Python optimizer's own step


Optimizer.__init_subclass__ = classmethod(__init_subclass__)
for _fn in (register_step_pre_hook, register_step_post_hook, register_state_dict_pre_hook,
            register_state_dict_post_hook, register_load_state_dict_pre_hook, register_load_state_dict_post_hook):
    setattr(Optimizer, _fn.__name__, _fn)
# Each C++ optimizer's step gets the hooks; Optimizer's own stays the bound C++ function, which
# tells a Python subclass without a step (NotImplementedError) from one with it.
for _cls in list(_C_optim.__dict__.values()):
    if isinstance(_cls, type) and issubclass(_cls, Optimizer) and _cls is not Optimizer:
        _cls.step = _with_step_hooks(_cls.__dict__.get("step", Optimizer.__dict__["step"]))
