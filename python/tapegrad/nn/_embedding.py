"""nn.Embedding and nn.EmbeddingBag with all of PyTorch's arguments (max_norm, norm_type,
scale_grad_by_freq, _weight, _freeze, from_pretrained) and F.embedding / F.embedding_bag taking
them: Python subclasses of the C++ layers, whose lookups stay in C++.

max_norm renormalises the looked-up rows of the weight in place before the lookup, as PyTorch's
embedding_renorm_; scale_grad_by_freq divides each row's gradient by how often the batch looks
it up (the values are unchanged). There are no sparse tensors: sparse=True is an error.
"""
import inspect

from .. import _C
from ..autograd.grad_mode import no_grad
from .parameter import Parameter

__all__ = ["Embedding", "EmbeddingBag", "embedding", "embedding_bag"]

_F = _C.nn.functional


def _check_sparse(name, sparse):
    if sparse:
        raise NotImplementedError(f"{name}: sparse=True asks for sparse gradients, and tapegrad has no sparse tensors; "
                                  "leave sparse=False (the gradient is then a dense tensor)")


def _renorm_(weight, input, max_norm, norm_type):
    """Scales the rows that input looks up whose norm exceeds max_norm down to it, in place."""
    with no_grad():
        rows = _C.unique(input.reshape(-1).to(_C.int64))
        picked = weight.index_select(0, rows)
        norms = picked.norm(p=norm_type, dim=1, keepdim=True)
        scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.index_copy_(0, rows, picked * scale)


def _row_scales(input, num_rows, dtype):
    """1 / (how often each row is looked up), 1 for rows never looked up: [num_rows]."""
    counts = _C.bincount(input.reshape(-1).to(_C.int64), minlength=num_rows).to(dtype)
    return 1.0 / _C.clamp(counts, min=1)


def _scaled_gradient(value, scale):
    """value, whose gradient is multiplied by scale."""
    frozen = value.detach()
    return frozen + (value - frozen) * scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of weight looked up by input's indices, as torch.nn.functional.embedding."""
    _check_sparse("embedding", sparse)
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    out = _F.embedding(input, weight, padding_idx)
    if scale_grad_by_freq and out.requires_grad:
        counts = _row_scales(input, weight.shape[0], out.dtype)
        out = _scaled_gradient(out, counts[input.to(_C.int64)].unsqueeze(-1))
    return out


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of rows, as torch.nn.functional.embedding_bag."""
    _check_sparse("embedding_bag", sparse)
    if scale_grad_by_freq and mode == "max":
        raise ValueError("embedding_bag: max mode does not support scaling the gradient by the frequency")
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    table = weight
    if scale_grad_by_freq and weight.requires_grad:
        table = _scaled_gradient(weight, _row_scales(input, weight.shape[0], weight.dtype).unsqueeze(-1))
    return _F.embedding_bag(input, table, offsets, mode=mode, per_sample_weights=per_sample_weights,
                            include_last_offset=include_last_offset, padding_idx=padding_idx)


def _set_weight(module, weight, freeze):
    if weight is not None:
        if list(weight.shape) != [module.num_embeddings, module.embedding_dim]:
            raise ValueError(f"{module._layer}: shape of weight does not match num_embeddings and embedding_dim: "
                             f"expected {[module.num_embeddings, module.embedding_dim]}, got {list(weight.shape)}")
        module.weight = Parameter(weight, requires_grad=not freeze)
    elif freeze:
        module.weight.requires_grad_(False)


def _pretrained_shape(embeddings):
    if embeddings.dim() != 2:
        raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape {list(embeddings.shape)}")
    return embeddings.shape


def _fixed_option(name, default):
    """max_norm or scale_grad_by_freq: settable later only on a layer made with a Python forward."""
    key = "_" + name

    def get(self):
        return self.__dict__.get(key, default)

    def set(self, value):
        if value != default and not self._python_forward:
            raise ValueError(f"{self._layer}: give {name} when the layer is made ({self._layer}(..., {name}=...) or "
                             "from_pretrained): a layer made without it looks rows up in C++ alone")
        self.__dict__[key] = value

    return property(get, set)


class _Table:
    """What Embedding and EmbeddingBag share. max_norm and scale_grad_by_freq need a forward in
    Python; without them the layer is the C++ one alone (a Python forward costs about 1 us more
    per call, 2 us through C++ containers), so __new__ picks the class with that forward only when
    they are given."""
    _python_forward = False
    max_norm = _fixed_option("max_norm", None)
    scale_grad_by_freq = _fixed_option("scale_grad_by_freq", False)

    def __new__(cls, *args, **kwargs):
        if not cls._python_forward:
            try:
                given = inspect.signature(cls.__init__).bind(None, *args, **kwargs).arguments
            except TypeError:  # __init__ says what is wrong
                given = {}
            if given.get("max_norm") is not None or given.get("scale_grad_by_freq"):
                cls = cls._with_python_forward
        return super().__new__(cls)


class Embedding(_Table, _C.nn.Embedding):
    """A lookup table [num_embeddings, embedding_dim], as torch.nn.Embedding."""
    _layer = "Embedding"

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        _check_sparse("Embedding", sparse)
        super().__init__(num_embeddings, embedding_dim, padding_idx=padding_idx, device=device, dtype=dtype)
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.sparse = False
        self.padding_idx = padding_idx if padding_idx is None or padding_idx >= 0 else padding_idx + num_embeddings
        _set_weight(self, _weight, _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (shared, not copied), frozen unless
        freeze=False."""
        rows, cols = _pretrained_shape(embeddings)
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze)


class _EmbeddingWithOptions(Embedding):
    _python_forward = True

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq)


Embedding._with_python_forward = _EmbeddingWithOptions


class EmbeddingBag(_Table, _C.nn.EmbeddingBag):
    """Bags of rows reduced by sum, mean or max, as torch.nn.EmbeddingBag (its argument order)."""
    _layer = "EmbeddingBag"

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        _check_sparse("EmbeddingBag", sparse)
        if scale_grad_by_freq and mode == "max":
            raise ValueError("EmbeddingBag: max mode does not support scaling the gradient by the frequency")
        super().__init__(num_embeddings, embedding_dim, mode=mode, include_last_offset=include_last_offset,
                         padding_idx=padding_idx, device=device, dtype=dtype)
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, scale_grad_by_freq
        self.sparse = False
        self.include_last_offset, self.padding_idx = include_last_offset, padding_idx
        _set_weight(self, _weight, False)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag whose weight is ``embeddings`` (shared), frozen unless freeze=False."""
        rows, cols = _pretrained_shape(embeddings)
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, mode=mode,
                  sparse=sparse, _weight=embeddings, include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag


class _EmbeddingBagWithOptions(EmbeddingBag):
    _python_forward = True

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, False, per_sample_weights, self.include_last_offset, self.padding_idx)


EmbeddingBag._with_python_forward = _EmbeddingBagWithOptions
