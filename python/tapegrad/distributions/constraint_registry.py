"""biject_to(constraint) and transform_to(constraint) (torch.distributions.constraint_registry):
the transform from unconstrained reals onto a constraint's set, for optimising a constrained
parameter through an unconstrained one. biject_to's are one to one (for log_prob through
TransformedDistribution); transform_to's may be cheaper (softmax onto the simplex)."""
from . import constraints
from .transforms import (AffineTransform, ComposeTransform, CorrCholeskyTransform, ExpTransform, IndependentTransform,
                         LowerCholeskyTransform, SigmoidTransform, SoftmaxTransform, StickBreakingTransform,
                         identity_transform)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """Factories by constraint type: register(constraint or its type, factory(constraint))."""

    def __init__(self):
        self._registry = {}

    def register(self, constraint, factory=None):
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not (isinstance(constraint, type) and issubclass(constraint, constraints.Constraint)):
            raise TypeError(f"register: expected a Constraint or its type, got {constraint!r}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint):
        for cls in type(constraint).__mro__:
            if cls in self._registry:
                return self._registry[cls](constraint)
        raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints")


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _real(constraint):
    return identity_transform


def _independent(registry):
    def factory(constraint):
        return IndependentTransform(registry(constraint.base_constraint), constraint.reinterpreted_batch_ndims)
    return factory


def _greater_than(constraint):
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])


def _less_than(constraint):
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])


def _interval(constraint):
    lower, upper = constraint.lower_bound, constraint.upper_bound
    if isinstance(lower, (int, float)) and isinstance(upper, (int, float)) and lower == 0 and upper == 1:
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(lower, upper - lower)])


for _registry in (biject_to, transform_to):
    _registry.register(constraints._Real, _real)
    _registry.register(constraints._IndependentConstraint, _independent(_registry))
    _registry.register(constraints._GreaterThan, _greater_than)
    _registry.register(constraints._GreaterThanEq, _greater_than)
    _registry.register(constraints._LessThan, _less_than)
    _registry.register(constraints._Interval, _interval)
    _registry.register(constraints._HalfOpenInterval, _interval)
    _registry.register(constraints._LowerCholesky, lambda c: LowerCholeskyTransform())
biject_to.register(constraints._Simplex, lambda c: StickBreakingTransform())
biject_to.register(constraints._CorrCholesky, lambda c: CorrCholeskyTransform())
transform_to.register(constraints._CorrCholesky, lambda c: CorrCholeskyTransform())
transform_to.register(constraints._Simplex, lambda c: SoftmaxTransform())
del _registry
