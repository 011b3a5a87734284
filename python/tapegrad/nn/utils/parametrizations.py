"""tg.nn.utils.parametrizations: orthogonal, weight_norm and spectral_norm as parametrizations
(PyTorch's current forms; the older hook-based tg.nn.utils.weight_norm and spectral_norm are beside
them)."""
from ... import _C
from ..._type_info import finfo
from ...autograd import no_grad
from .. import functional as F
from .parametrize import register_parametrization

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


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


_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _is_orthogonal(q):
    eye = _C.eye(q.shape[-1], dtype=q.dtype, device=q.device)
    return _C.allclose(q.mT @ q, eye, atol=10.0 * q.shape[-2] * finfo(q.dtype).eps)


def _make_orthogonal(a):
    """The Q of a = QR (a tall) with diag(R) >= 0, which makes it unique."""
    x, tau = _C.geqrf(a)
    return _C.linalg.householder_product(x, tau) * x.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(_C.nn.Module):
    """PyTorch's _Orthogonal: maps a tall n x k matrix (or the transpose of a wide one) onto the
    orthogonal ones. matrix_exp and cayley take its lower triangle as a skew-symmetric A and give
    the first k columns of exp(A) or of (I + A/2)(I - A/2)^-1; householder reads it as reflectors.
    With use_trivialization the result is ``base @ Q``, base an orthogonal buffer that assigning
    to the weight sets (and the parameter restarts from Q = I)."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x):
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map == "householder":
            a = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = _C.linalg.householder_product(a, tau)
            # The diagonal of x holds each reflector's sign (+-1); no gradient flows through it.
            q = q * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        else:
            x = x.tril()
            if n != k:  # embed into a square matrix
                x = _C.cat([x, x.new_zeros(n, n - k).expand(*x.shape[:-2], -1, -1)], dim=-1)
            a = x - x.mT
            if self.orthogonal_map == "matrix_exp":
                q = _C.linalg.matrix_exp(a)
            else:
                eye = _C.eye(n, dtype=a.dtype, device=a.device)
                q = _C.linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
            if n != k:
                q = q[..., :k]
        if hasattr(self, "base"):
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, q):
        with no_grad():
            if tuple(q.shape) != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                 f"Got a tensor of shape {tuple(q.shape)}.")
            given = q
            n, k = q.shape[-2], q.shape[-1]
            transposed = n < k
            if transposed:
                q = q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map != "householder":
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the "
                                              "Cayley parametrizations when use_trivialization=False.")
                # Reflectors whose product is q's orthogonal factor, with diag(R) > 0.
                a, tau = _C.geqrf(q)
                diag = a.diagonal(dim1=-2, dim2=-1)
                diag.sign_()
                diag.copy_(_C.where(tau == 0.0, -diag, diag))
                return a.mT if transposed else a
            if n == k:
                q = _make_orthogonal(q) if not _is_orthogonal(q) else q.clone()
            else:  # complete q into an n x n orthogonal matrix
                extra = _C.randn(*q.shape[:-2], n, n - k, dtype=q.dtype, device=q.device)
                q = _make_orthogonal(_C.cat([q, extra], dim=-1))
            self.base = q
            # -I: householder maps it to I, and the other maps map its lower triangle's skew
            # part (zero) to I too.
            neg_eye = _C.zeros_like(given)
            neg_eye.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_eye


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Constrains ``module.<name>`` (a matrix or batch of matrices) to be orthogonal, as PyTorch's
    parametrizations.orthogonal: the weight is a map ("matrix_exp", "cayley" or "householder";
    by default matrix_exp for square weights, householder otherwise) of
    ``parametrizations.<name>.original``; assigning an orthogonal matrix to the weight keeps it."""
    weight = getattr(module, name, None)
    if not isinstance(weight, _C.Tensor):
        raise ValueError(f"Module '{module._get_name()}' has no parameter or buffer with name '{name}'")
    if weight.dim() < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.dim()} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    parametrization = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    return register_parametrization(module, name, parametrization, unsafe=True)
