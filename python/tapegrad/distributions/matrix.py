"""Distributions over matrices: LKJCholesky (Cholesky factors of correlation matrices) and Wishart
(positive definite matrices, with rsample)."""
import math

from .. import _C
from .._type_info import finfo
from ..autograd import no_grad
from . import constraints
from .distribution import Distribution, broadcast_all, check
from .gamma_family import Beta, Chi2
from .multivariate import scale_tril_of

_LOG_2 = math.log(2.0)


class LKJCholesky(Distribution):
    """The LKJ distribution over dim x dim correlation matrices, on their lower Cholesky factors:
    density proportional to det(C)^(concentration - 1). Sampled by the onion method (a Beta draw
    for each row's off-diagonal length, a uniform direction on the sphere for its entries)."""
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        super().__init__(self.concentration.shape, (dim, dim), validate_args)
        if self._validate_args:
            check("concentration", self.concentration > 0, "GreaterThan(lower_bound=0.0)", self.concentration,
                  "LKJCholesky")
        c = self.concentration
        # Row i >= 1 has squared off-diagonal length ~ Beta(i / 2, conc + (dim - 2) / 2 - (i - 1) / 2)
        # (Lewandowski, Kurowicka and Joe 2009, section 3.2); row 0's draw is unused (it is e_0).
        # PyTorch's first parameter is i - 1/2, which makes the last rows' correlations too
        # spread for dim > 2 (the pairs' marginals differ, where the LKJ law has them all equal).
        offset = _C.cat([_C.zeros(1, dtype=c.dtype, device=c.device), _C.arange(dim - 1, dtype=c.dtype,
                                                                                 device=c.device)])
        self._beta = Beta(0.5 * offset + 0.5, (c + 0.5 * (dim - 2)).unsqueeze(-1) - 0.5 * offset)

    def sample(self, sample_shape=()):
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            shape = tuple(self._extended_shape(sample_shape))
            u = _C.randn(shape, dtype=y.dtype, device=y.device).tril(-1)
            norms = u.norm(dim=-1, keepdim=True)
            norms[..., 0, :] = 1.0  # row 0 has no entries below the diagonal: keep it zero, not 0 / 0
            w = y.sqrt() * (u / norms)
            diag = (1 - (w * w).sum(-1)).clamp(min=finfo(w.dtype).tiny).sqrt()
            return w + diag.diag_embed()

    def log_prob(self, value):
        value = self._value(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        c = self.concentration
        order = 2 * (c - 1).unsqueeze(-1) + self.dim - _C.arange(2, self.dim + 1, dtype=c.dtype, device=c.device)
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = c + 0.5 * dm1
        normalizer = 0.5 * dm1 * math.log(math.pi) + _C.mvlgamma(alpha - 0.5, dm1) - alpha.lgamma() * dm1
        return unnormalized - normalizer

    def __repr__(self):
        return f"LKJCholesky(concentration: {self.concentration})"


def _mvdigamma(x, p):
    """The derivative of mvlgamma(x, p): the sum of digamma(x - i / 2) for i < p."""
    half_steps = _C.arange(p, dtype=x.dtype, device=x.device) / 2
    return (x.unsqueeze(-1) - half_steps).digamma().sum(-1)


class Wishart(Distribution):
    """Positive definite p x p matrices X = L Z Z^T L^T, the scale given by exactly one of
    covariance_matrix, precision_matrix or scale_tril (L), with df > p - 1 degrees of freedom.
    rsample uses the Bartlett decomposition (Z lower triangular: chi draws on the diagonal,
    normals below), differentiable in df through the chi-square draws."""
    has_rsample = True
    support = constraints.positive_definite

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError("Wishart: pass exactly one of covariance_matrix, precision_matrix and scale_tril")
        matrix = given[0]
        if matrix.dim() < 2 or matrix.shape[-1] != matrix.shape[-2]:
            raise ValueError(f"Wishart: the matrix must be square with optional batch dims, got shape "
                             f"{tuple(matrix.shape)}")
        if isinstance(df, _C.Tensor):
            batch = tuple(_C.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(df.shape)))
            self.df = df.to(matrix.dtype).expand(batch)
        else:
            batch = tuple(matrix.shape[:-2])
            self.df = _C.tensor(float(df), dtype=matrix.dtype, device=matrix.device).expand(batch)
        p = matrix.shape[-1]
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Wishart: df must be greater than p - 1 = {p - 1}, got {df}")
        super().__init__(batch, (p, p), validate_args)
        name = "scale_tril" if scale_tril is not None else "covariance_matrix" if covariance_matrix is not None \
            else "precision_matrix"
        if self._validate_args:
            constraint = self.arg_constraints[name]
            check(name, constraint.check(matrix), repr(constraint), matrix, "Wishart")
        tril = scale_tril_of(covariance_matrix, precision_matrix, scale_tril)
        self.scale_tril = tril.expand(batch + (p, p))
        # The squares of the diagonal of Z: chi-square with df, df - 1, ..., df - p + 1 degrees.
        self._chi2 = Chi2(self.df.unsqueeze(-1) - _C.arange(p, dtype=tril.dtype, device=tril.device))

    @property
    def covariance_matrix(self):
        return self.scale_tril @ self.scale_tril.mT

    @property
    def precision_matrix(self):
        eye = _C.eye(self.event_shape[-1], dtype=self.scale_tril.dtype, device=self.scale_tril.device)
        return _C.cholesky_solve(eye.expand(self.scale_tril.shape), self.scale_tril)

    @property
    def mean(self):
        return self.df[..., None, None] * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.event_shape[-1] - 1
        factor = _C.where(factor > 0, factor, float("nan"))  # no mode when df < p + 1
        return factor[..., None, None] * self.covariance_matrix

    @property
    def variance(self):
        v = self.covariance_matrix
        d = v.diagonal(dim1=-2, dim2=-1)
        return self.df[..., None, None] * (v * v + d.unsqueeze(-1) * d.unsqueeze(-2))

    def rsample(self, sample_shape=()):
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        p = self.event_shape[-1]
        dtype, device = self.scale_tril.dtype, self.scale_tril.device
        chi = self._chi2.rsample(sample_shape).sqrt().clamp(min=finfo(dtype).eps)
        below = _C.randn(tuple(sample_shape) + tuple(self.batch_shape) + (p, p), dtype=dtype, device=device).tril(-1)
        factor = self.scale_tril @ (below + chi.diag_embed())
        return factor @ factor.mT

    def log_prob(self, value):
        value = self._value(value)
        nu, p = self.df, self.event_shape[-1]
        half_log_det_scale = self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = _C.cholesky_solve(value, self.scale_tril).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + half_log_det_scale) - _C.mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * _C.linalg.slogdet(value)[1] - trace / 2)

    def entropy(self):
        nu, p = self.df, self.event_shape[-1]
        half_log_det_scale = self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + half_log_det_scale) + _C.mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    def __repr__(self):
        return f"Wishart(df: {self.df}, scale_tril: {self.scale_tril.shape})"
