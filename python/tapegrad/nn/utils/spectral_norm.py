"""tg.nn.utils.spectral_norm and remove_spectral_norm: PyTorch's older, hook-based form, with
``<name>_orig`` (the parameter) and the buffers ``<name>_u``, ``<name>_v`` on the module itself."""
from ... import _C
from ...autograd import no_grad
from .. import functional as F
from ..parameter import Parameter
from .parametrizations import _as_matrix, _default_dim, _power_iterations, _sigma
from .parametrize import _add_computed, _kind, _remove_computed

__all__ = ["remove_spectral_norm", "spectral_norm"]


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """``module.<name>`` becomes <name>_orig / sigma, sigma estimated by ``n_power_iterations`` steps
    of power iteration per forward in training (prefer tg.nn.utils.parametrizations.spectral_norm)."""
    if _kind(module, name) is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    if n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}")
    weight = dict(module.named_parameters(recurse=False)).get(name)
    if weight is None:
        raise ValueError(f"Module '{module._get_name()}' has no parameter named '{name}'")
    dim = _default_dim(module, dim)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    with no_grad():
        h, w = _as_matrix(weight, dim).shape
        u = F.normalize(_C.randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        v = F.normalize(_C.randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)

    def compute(m):
        weight_mat = _as_matrix(getattr(m, name + "_orig"), dim)
        if m.training:
            _power_iterations(weight_mat, getattr(m, name + "_u"), getattr(m, name + "_v"), n_power_iterations, eps)
        return getattr(m, name + "_orig") / _sigma(weight_mat, getattr(m, name + "_u"), getattr(m, name + "_v"))

    _add_computed(module, name, compute, "spectral_norm")
    return module


def remove_spectral_norm(module, name="weight"):
    """Leaves ``<name>`` a plain parameter holding the normalized weight."""
    if _kind(module, name) != "spectral_norm":
        raise ValueError(f"spectral_norm of '{name}' not found in {module._get_name()}")
    training = module.training
    module.eval()  # the current estimate, without another iteration
    with no_grad():
        weight = getattr(module, name).detach()
    module.train(training)
    _remove_computed(module, name)
    for suffix in ("_orig", "_u", "_v"):
        delattr(module, name + suffix)
    setattr(module, name, Parameter(weight))
    return module
