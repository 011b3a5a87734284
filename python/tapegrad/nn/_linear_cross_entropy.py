"""linear_cross_entropy and LinearCrossEntropyLoss, as torch's: cross_entropy of a linear layer's
logits, optionally in chunks of rows (``options=LinearCrossEntropyOptions(...)``) so that the
(N, C) logits of a large vocabulary never exist at once. The chunked path computes the gradients
in the forward pass and has no double backward; ``options=None`` is the reference path."""
import math

from .. import _C

__all__ = ["LinearCrossEntropyOptions", "linear_cross_entropy", "LinearCrossEntropyLoss"]


class LinearCrossEntropyOptions:
    """Chunking of linear_cross_entropy: ``batch_chunk_size`` rows at a time (None: chunks whose
    logits take about 32 MiB). The other fields are PyTorch's and accepted for compatibility:
    tapegrad accumulates in the input's dtype and chunks the batch dim only."""

    def __init__(self, allow_retain_graph=False, batch_chunk_size=None, chunking_method="auto", acc_policy="auto",
                 acc_dtype=None):
        if batch_chunk_size is not None and int(batch_chunk_size) <= 0:
            raise ValueError(f"LinearCrossEntropyOptions: batch_chunk_size must be positive, got {batch_chunk_size}")
        if acc_policy not in ("accurate", "compact", "auto"):
            raise ValueError(f"LinearCrossEntropyOptions: acc_policy must be 'accurate', 'compact' or 'auto', "
                             f"got {acc_policy!r}")
        self.allow_retain_graph = allow_retain_graph
        self.batch_chunk_size = batch_chunk_size
        self.chunking_method = chunking_method
        self.acc_policy = acc_policy
        self.acc_dtype = acc_dtype

    def __repr__(self):
        return (f"LinearCrossEntropyOptions(batch_chunk_size={self.batch_chunk_size}, "
                f"chunking_method={self.chunking_method!r}, acc_policy={self.acc_policy!r})")


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias) reshaped to (N, C, d1, ...), target)."""
    if options is None:
        chunk = 0
    elif isinstance(options, LinearCrossEntropyOptions):
        chunk = -1 if options.batch_chunk_size is None else int(options.batch_chunk_size)
    else:
        raise TypeError(f"linear_cross_entropy: options must be a LinearCrossEntropyOptions or None, "
                        f"got {type(options).__name__}")
    return _C.nn.functional._linear_cross_entropy(
        input, linear_weight, target, linear_bias, weight, -100 if ignore_index is None else ignore_index, reduction,
        label_smoothing, chunk)


class LinearCrossEntropyLoss(_C.nn.Module):
    """A Linear layer (``self.linear``, weight stored flat as (C * prod(out_features), in)) and
    cross_entropy of its logits: ``forward(input, target)``."""

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None, dtype=None,
                 reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0, options=None):
        super().__init__()
        self.in_features = in_features
        self.num_classes = num_classes
        self.out_features = tuple(out_features)
        self.reduction = reduction
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        self.linear = _C.nn.Linear(in_features, num_classes * math.prod(self.out_features), bias=bias, device=device,
                                   dtype=dtype)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        shape = (self.num_classes, *self.out_features)
        bias = self.linear.bias
        return linear_cross_entropy(input, self.linear.weight.reshape(*shape, self.in_features), target,
                                    linear_bias=None if bias is None else bias.reshape(shape), weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return (f"in_features={self.in_features}, num_classes={self.num_classes}, out_features={self.out_features}, "
                f"bias={self.linear.bias is not None}")
