"""MultivariateNormal, LowRankMultivariateNormal and Independent (batch dims reinterpreted as
event dims)."""
import math

from .. import _C
from . import constraints
from .distribution import Distribution, check


def scale_tril_of(covariance_matrix, precision_matrix, scale_tril):
    """The lower Cholesky factor of the covariance, from whichever of the three is given."""
    if scale_tril is not None:
        return scale_tril
    if covariance_matrix is not None:
        return _C.linalg.cholesky(covariance_matrix)
    # The covariance is the precision's inverse; its factor through the inverse's Cholesky.
    return _C.linalg.cholesky(_C.linalg.inv(precision_matrix))


class MultivariateNormal(Distribution):
    """Parameterised by exactly one of covariance_matrix, precision_matrix or scale_tril (its
    lower Cholesky factor)."""
    has_rsample = True
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError("MultivariateNormal: pass exactly one of covariance_matrix, precision_matrix and "
                             "scale_tril")
        if loc.dim() < 1:
            raise ValueError("MultivariateNormal: loc needs at least one dim")
        matrix = given[0]
        if matrix.dim() < 2 or matrix.shape[-1] != matrix.shape[-2] or matrix.shape[-1] != loc.shape[-1]:
            raise ValueError(f"MultivariateNormal: the matrix of shape {tuple(matrix.shape)} must be square with "
                             f"the size of loc's last dim ({loc.shape[-1]})")
        tril = scale_tril_of(covariance_matrix, precision_matrix, scale_tril)
        batch = _C.broadcast_shapes(tuple(loc.shape[:-1]), tuple(tril.shape[:-2]))
        n = loc.shape[-1]
        self.loc = loc.expand(tuple(batch) + (n,))
        self.scale_tril = tril.expand(tuple(batch) + (n, n))
        super().__init__(batch, (n,), validate_args)

    @property
    def covariance_matrix(self):
        return self.scale_tril @ self.scale_tril.transpose(-1, -2)

    @property
    def precision_matrix(self):
        return _C.linalg.inv(self.covariance_matrix)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = _C.randn(tuple(shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self.scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        return self.scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        diff = (self._value(value) - self.loc).unsqueeze(-1)
        tril = self.scale_tril.expand(tuple(diff.shape[:-2]) + tuple(self.scale_tril.shape[-2:]))
        solved = _C.linalg.solve_triangular(tril, diff, upper=False)
        mahalanobis = solved.squeeze(-1).pow(2).sum(-1)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()

    def entropy(self):
        n = self._event_shape[0]
        return 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.scale_tril.pow(2).sum(-1)


class LowRankMultivariateNormal(Distribution):
    """A normal of n dims with covariance cov_factor @ cov_factor^T + diag(cov_diag), cov_factor
    [..., n, r] of low rank r: log_prob and entropy through the r x r capacitance matrix
    I + W^T D^-1 W (Woodbury's identity and the determinant lemma), never the n x n covariance."""
    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        if loc.dim() < 1 or cov_factor.dim() < 2 or cov_diag.dim() < 1:
            raise ValueError("LowRankMultivariateNormal: loc and cov_diag need at least one dim, cov_factor two")
        n = loc.shape[-1]
        if cov_factor.shape[-2] != n or cov_diag.shape[-1] != n:
            raise ValueError(f"LowRankMultivariateNormal: loc ({tuple(loc.shape)}), cov_factor "
                             f"({tuple(cov_factor.shape)}) and cov_diag ({tuple(cov_diag.shape)}) must share the "
                             f"event size {n}")
        rank = cov_factor.shape[-1]
        batch = tuple(_C.broadcast_shapes(tuple(loc.shape[:-1]), tuple(cov_factor.shape[:-2]),
                                          tuple(cov_diag.shape[:-1])))
        self.loc = loc.expand(batch + (n,))
        self.cov_factor = cov_factor.expand(batch + (n, rank))
        self.cov_diag = cov_diag.expand(batch + (n,))
        super().__init__(batch, (n,), validate_args)
        if self._validate_args:
            check("cov_diag", self.cov_diag > 0, "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)",
                  self.cov_diag, "LowRankMultivariateNormal")
        w_over_d = self.cov_factor / self.cov_diag.unsqueeze(-1)
        capacitance = self.cov_factor.mT @ w_over_d + _C.eye(rank, dtype=loc.dtype, device=loc.device)
        self._capacitance_tril = _C.linalg.cholesky(capacitance)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.cov_factor.pow(2).sum(-1) + self.cov_diag

    @property
    def covariance_matrix(self):
        return self.cov_factor @ self.cov_factor.mT + self.cov_diag.diag_embed()

    @property
    def precision_matrix(self):
        # Woodbury: D^-1 - D^-1 W C^-1 W^T D^-1.
        w_over_d = self.cov_factor / self.cov_diag.unsqueeze(-1)
        a = _C.linalg.solve_triangular(self._capacitance_tril, w_over_d.mT, upper=False)
        return (1 / self.cov_diag).diag_embed() - a.mT @ a

    @property
    def scale_tril(self):
        return _C.linalg.cholesky(self.covariance_matrix)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        rank = self.cov_factor.shape[-1]
        eps_w = _C.randn(shape[:-1] + (rank,), dtype=self.loc.dtype, device=self.loc.device)
        eps_d = _C.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self.cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1) + self.cov_diag.sqrt() * eps_d

    def _log_det(self):
        return 2 * self._capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1) + self.cov_diag.log().sum(-1)

    def log_prob(self, value):
        diff = self._value(value) - self.loc
        batch = tuple(diff.shape[:-1])
        w_over_d = (self.cov_factor / self.cov_diag.unsqueeze(-1))
        projected = (w_over_d.mT @ diff.unsqueeze(-1))  # W^T D^-1 x, [..., r, 1]
        tril = self._capacitance_tril.expand(batch + tuple(self._capacitance_tril.shape[-2:]))
        solved = _C.linalg.solve_triangular(tril, projected.expand(batch + tuple(projected.shape[-2:])), upper=False)
        mahalanobis = (diff.pow(2) / self.cov_diag).sum(-1) - solved.squeeze(-1).pow(2).sum(-1)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + self._log_det() + mahalanobis)

    def entropy(self):
        n = self._event_shape[0]
        return 0.5 * (n * (1.0 + math.log(2 * math.pi)) + self._log_det())


class Independent(Distribution):
    """base with its last `reinterpreted_batch_ndims` batch dims made event dims: log_prob and
    entropy sum over them (a diagonal Gaussian from a batch of Normals, say)."""
    arg_constraints = {}

    @constraints.dependent_property
    def support(self):
        support = self.base_dist.support
        return constraints.independent(support, self.reinterpreted_batch_ndims) if self.reinterpreted_batch_ndims \
            else support

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        batch = tuple(base_distribution.batch_shape)
        if not 0 <= reinterpreted_batch_ndims <= len(batch):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be in [0, {len(batch)}], got "
                             f"{reinterpreted_batch_ndims}")
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, reinterpreted_batch_ndims
        cut = len(batch) - reinterpreted_batch_ndims
        super().__init__(batch[:cut], batch[cut:] + tuple(base_distribution.event_shape), validate_args)
        self.has_rsample = base_distribution.has_rsample

    def _sum(self, t):
        return t.sum(tuple(range(-self.reinterpreted_batch_ndims, 0))) if self.reinterpreted_batch_ndims else t

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self):
        return self._sum(self.base_dist.entropy())

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def mode(self):
        return self.base_dist.mode

    @property
    def variance(self):
        return self.base_dist.variance
