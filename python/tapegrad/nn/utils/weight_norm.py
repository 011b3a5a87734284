"""tg.nn.utils.weight_norm and remove_weight_norm: PyTorch's older, hook-based form, with the
parameters ``<name>_g`` and ``<name>_v`` on the module itself (their state_dict keys)."""
from ...autograd import no_grad
from ..parameter import Parameter
from .parametrizations import _norm_except_dim, _weight_norm
from .parametrize import _add_computed, _kind, _remove_computed

__all__ = ["remove_weight_norm", "weight_norm"]


def weight_norm(module, name="weight", dim=0):
    """``module.<name>`` becomes g * v / ||v||, computed from the new parameters ``<name>_g`` and
    ``<name>_v`` before each forward (prefer tg.nn.utils.parametrizations.weight_norm)."""
    if _kind(module, name) is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    weight = dict(module.named_parameters(recurse=False)).get(name)
    if weight is None:
        raise ValueError(f"Module '{module._get_name()}' has no parameter named '{name}'")
    if dim is None:
        dim = -1
    elif dim < -1:
        dim += weight.dim()
    delattr(module, name)
    with no_grad():
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
    _add_computed(module, name,
                  lambda m: _weight_norm(getattr(m, name + "_v"), getattr(m, name + "_g"), dim), "weight_norm")
    return module


def remove_weight_norm(module, name="weight"):
    """Folds g and v back into one parameter ``<name>``."""
    if _kind(module, name) != "weight_norm":
        raise ValueError(f"weight_norm of '{name}' not found in {module._get_name()}")
    with no_grad():
        weight = getattr(module, name).detach()
    _remove_computed(module, name)
    delattr(module, name + "_g")
    delattr(module, name + "_v")
    setattr(module, name, Parameter(weight))
    return module
