"""tg.nn.utils.parametrizations: weight_norm and spectral_norm as parametrizations (PyTorch's
current forms; the older hook-based tg.nn.utils.weight_norm and spectral_norm are beside them)."""
from ... import _C
from ...autograd import no_grad
from .. import functional as F
from .parametrize import register_parametrization

__all__ = ["spectral_norm", "weight_norm"]


def _norm_except_dim(v, dim):
    """The 2-norm of v over every dim but ``dim`` (keeping them, as size 1); of all of v for -1."""
    if dim == -1:
        return _C.linalg.vector_norm(v)
    dims = [d for d in range(v.dim()) if d != dim]
    return _C.linalg.vector_norm(v, 2, dim=dims, keepdim=True) if dims else v.abs()


def _weight_norm(v, g, dim):
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(_C.nn.Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """weight = g * v / ||v|| (the norm over every dim but ``dim``): ``module.<name>`` becomes that,
    with g and v as ``parametrizations.<name>.original0`` and ``original1``."""
    weight = getattr(module, name, None)
    if not isinstance(weight, _C.Tensor):
        raise ValueError(f"Module '{module._get_name()}' has no parameter or buffer with name '{name}'")
    if dim is not None and dim < -weight.dim():
        raise IndexError(f"weight_norm: dim {dim} is out of range for a {weight.dim()}-D weight")
    if dim is not None and dim < -1:
        dim += weight.dim()
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(_C.nn.Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = _as_matrix(weight, self.dim)
            h, w = weight_mat.shape
            u = _C.randn(h, dtype=weight.dtype, device=weight.device)
            v = _C.randn(w, dtype=weight.dtype, device=weight.device)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            _power_iterations(weight_mat, self._u, self._v, 15, self.eps)

    def forward(self, weight):
        if weight.dim() == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = _as_matrix(weight, self.dim)
        if self.training:
            _power_iterations(weight_mat, self._u, self._v, self.n_power_iterations, self.eps)
        return weight / _sigma(weight_mat, self._u, self._v)

    def right_inverse(self, value):
        return value


def _as_matrix(weight, dim):
    """The weight as [size(dim), everything else], as the power iteration sees it."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.dim()) if d != dim))
    return weight.flatten(1)


def _power_iterations(weight_mat, u, v, n, eps):
    """Refines u and v, in place, toward the top singular vectors of weight_mat."""
    with no_grad():
        for _ in range(n):
            u.copy_(F.normalize(_C.mv(weight_mat, v), dim=0, eps=eps))
            v.copy_(F.normalize(_C.mv(weight_mat.t(), u), dim=0, eps=eps))


def _sigma(weight_mat, u, v):
    # u and v are cloned so that later iterations do not change what backward needs.
    return _C.vdot(u.clone(), _C.mv(weight_mat, v.clone()))


def _default_dim(module, dim):
    if dim is not None:
        return dim
    transposed = (_C.nn.ConvTranspose1d, _C.nn.ConvTranspose2d, _C.nn.ConvTranspose3d)
    return 1 if isinstance(module, transposed) else 0


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """weight / sigma, sigma its largest singular value estimated by power iteration (one step
    per forward in training): ``module.<name>`` becomes that, with the weight as
    ``parametrizations.<name>.original`` and the vectors as ``parametrizations.<name>.0._u`` and ``_v``."""
    weight = getattr(module, name, None)
    if not isinstance(weight, _C.Tensor):
        raise ValueError(f"Module '{module._get_name()}' has no parameter or buffer with name '{name}'")
    parametrization = _SpectralNorm(weight, n_power_iterations, _default_dim(module, dim), eps)
    return register_parametrization(module, name, parametrization)
