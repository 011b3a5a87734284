"""tg.nn.utils.prune: PyTorch's pruning. Pruning ``weight`` keeps the parameter as ``weight_orig``,
adds the buffer ``weight_mask``, and makes ``weight`` their product wherever the module reads it
(state_dict keys as PyTorch's). Pruning the same tensor again prunes among the entries (or
channels) still kept; ``remove`` makes the pruned weight a plain parameter again."""
import numbers
from abc import ABC, abstractmethod

from ... import _C
from ...autograd import no_grad
from .parametrize import _add_computed, _kind, _remove_computed

__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured", "LnStructured", "PruningContainer",
           "RandomStructured", "RandomUnstructured", "custom_from_mask", "global_unstructured", "identity",
           "is_pruned", "l1_unstructured", "ln_structured", "random_structured", "random_unstructured", "remove"]


def _methods(module):
    return module.__dict__.setdefault("_tg_pruning", {})


class BasePruningMethod(ABC):
    """A way to choose a mask: subclasses define compute_mask(t, default_mask) and PRUNING_TYPE
    ("unstructured", "structured" along ``self.dim``, or "global")."""

    _tensor_name = None

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The mask for ``t``, zero where ``default_mask`` is zero already."""

    def apply_mask(self, module):
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return mask.to(orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prunes ``module.<name>`` with ``cls(*args, **kwargs)`` (after any pruning before it)."""
        previous = _methods(module).get(name)
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if previous is not None:
            container = previous if isinstance(previous, PruningContainer) else PruningContainer(previous)
            container.add_pruning_method(method)
            method = container
        elif _kind(module, name) is not None:
            raise ValueError(f"{module._get_name()}.{name} is already computed by {_kind(module, name)}")
        orig = getattr(module, name)
        if importance_scores is None:
            importance_scores = orig
        elif importance_scores.shape != orig.shape:
            raise ValueError(f"importance_scores should have the same shape as parameter {name} of {module}")
        with no_grad():
            if previous is None:
                default_mask = _C.ones_like(orig)
            else:
                default_mask = getattr(module, name + "_mask").detach().clone()
            mask = method.compute_mask(importance_scores.detach(), default_mask=default_mask)
        if previous is None:
            delattr(module, name)
            module.register_parameter(name + "_orig", orig)
            module.register_buffer(name + "_mask", mask)
        else:
            setattr(module, name + "_mask", mask)
        _add_computed(module, name, method.apply_mask, "prune")  # replaces the previous method's entry
        _methods(module)[name] = method
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """``t`` with the mask this method computes applied."""
        scores = t if importance_scores is None else importance_scores
        mask = self.compute_mask(scores, default_mask=_C.ones_like(t) if default_mask is None else default_mask)
        return t * mask

    def remove(self, module):
        """Makes ``module.<name>`` a plain parameter holding the pruned weight (the ``_orig`` object)."""
        name = self._tensor_name
        with no_grad():
            weight = self.apply_mask(module).detach()
        _remove_computed(module, name)
        orig = getattr(module, name + "_orig")
        delattr(module, name + "_orig")
        delattr(module, name + "_mask")
        orig.data = weight
        setattr(module, name, orig)
        del _methods(module)[name]


class PruningContainer(BasePruningMethod):
    """The methods applied to one tensor in turn; each prunes among what the others kept."""

    def __init__(self, *methods):
        self._pruning_methods = ()
        for method in methods:
            if isinstance(method, PruningContainer):
                for inner in method:
                    self.add_pruning_method(inner)
            else:
                self.add_pruning_method(method)

    def add_pruning_method(self, method):
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' to "
                             f"PruningContainer. Found '{method._tensor_name}'")
        self._tensor_name = method._tensor_name
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, i):
        return self._pruning_methods[i]

    def compute_mask(self, t, default_mask):
        method = self._pruning_methods[-1]
        new_mask = default_mask.clone()
        if method.PRUNING_TYPE == "unstructured":
            kept = default_mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError("Pruning methods of PRUNING_TYPE 'structured' need to have the attribute `dim` "
                                     "defined.")
            dim = method.dim + t.dim() if method.dim < 0 else method.dim
            if dim < 0 or dim >= t.dim():
                raise IndexError(f"Index is out of bounds for tensor of size {tuple(t.shape)}")
            others = [d for d in range(t.dim()) if d != dim]
            keep_channel = default_mask.sum(dim=others) != 0 if others else default_mask != 0
            kept = tuple(keep_channel if d == dim else slice(None) for d in range(t.dim()))
        elif method.PRUNING_TYPE == "global":
            kept = tuple(slice(None) for _ in range(t.dim()))
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        partial = method.compute_mask(t[kept], default_mask=default_mask[kept])
        new_mask[kept] = partial.to(new_mask.dtype)
        return new_mask


class Identity(BasePruningMethod):
    """Prunes nothing (a mask of ones)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


def _check_amount(amount):
    if not isinstance(amount, numbers.Real) or isinstance(amount, bool):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _count(amount, size):
    """How many of ``size`` entries (or channels) ``amount`` prunes."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={size}")
        return amount
    return round(amount * size)


class _Unstructured(BasePruningMethod):
    """Prunes the ``amount`` entries of lowest score."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        n = _count(self.amount, t.numel())
        mask = default_mask.clone()
        if n:
            lowest = _C.topk(self._scores(t).reshape(-1), n, largest=False).indices
            mask.view(-1)[lowest] = 0
        return mask


class RandomUnstructured(_Unstructured):
    """Prunes ``amount`` (a count, or a fraction) of the entries at random."""

    def _scores(self, t):
        return _C.rand_like(t)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prunes the ``amount`` entries of smallest magnitude."""

    def _scores(self, t):
        return t.abs()

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _channel_mask(t, dim, channels):
    """A mask of ``t``'s shape: one for the given channels along ``dim``, zero elsewhere."""
    mask = _C.zeros_like(t)
    mask[tuple(channels if d == dim else slice(None) for d in range(t.dim()))] = 1
    return mask


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` of the channels along ``dim`` at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        dim = self.dim + t.dim() if self.dim < 0 else self.dim
        n = _count(self.amount, t.shape[dim])
        if n == 0:
            return default_mask
        keep = _C.topk(_C.rand(t.shape[dim]), t.shape[dim] - n).indices
        return _channel_mask(t, dim, keep) * default_mask.to(t.dtype)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest L``n`` norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        dim = self.dim + t.dim() if self.dim < 0 else self.dim
        if dim < 0 or dim >= t.dim():
            raise IndexError(f"Dimension out of range for a {t.dim()}-D tensor: {self.dim}")
        size = t.shape[dim]
        n = _count(self.amount, size)
        if n == 0:
            return default_mask
        others = [d for d in range(t.dim()) if d != dim]
        norms = _C.linalg.vector_norm(t, self.n, dim=others) if others else t.abs()
        keep = _C.topk(norms, size - n, largest=True).indices
        return _channel_mask(t, dim, keep) * default_mask.to(t.dtype)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given mask is zero."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise ValueError(f"custom_from_mask: the mask is {tuple(self.mask.shape)}, the tensor "
                             f"{tuple(default_mask.shape)}")
        return default_mask * self.mask.to(default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


def identity(module, name):
    """Prunes nothing, but sets up ``<name>_orig`` and ``<name>_mask`` (all ones)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prunes across all of ``parameters`` ((module, name) pairs) at once, as if they were one
    tensor: e.g. the 20% smallest weights of the whole network with L1Unstructured."""
    parameters = list(parameters)
    importance_scores = importance_scores or {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    method._tensor_name = "temp"
    container = PruningContainer(method)
    with no_grad():
        scores = _C.cat([importance_scores.get((m, n), getattr(m, n)).detach().reshape(-1) for m, n in parameters])
        masks = _C.cat([(getattr(m, n + "_mask") if _kind(m, n) == "prune" else _C.ones_like(getattr(m, n)))
                        .reshape(-1) for m, n in parameters])
        final = container.compute_mask(scores, default_mask=masks)
    start = 0
    for module, name in parameters:
        count = getattr(module, name).numel()
        custom_from_mask(module, name, final[start:start + count].reshape(getattr(module, name).shape))
        start += count


def remove(module, name):
    """Makes the pruned ``module.<name>`` a plain parameter again (the mask stays applied)."""
    method = _methods(module).get(name)
    if method is None:
        raise ValueError(f"Parameter '{name}' of module {module._get_name()} has to be pruned before pruning can be "
                         "removed")
    method.remove(module)
    return module


def is_pruned(module):
    """Whether any tensor of ``module`` or its submodules is pruned."""
    return any(m.__dict__.get("_tg_pruning") for m in module.modules())
