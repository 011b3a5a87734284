"""torch's top-level names for nn.functional's ops (torch.conv2d is F.conv2d), and a few more of
torch's top-level functions over other ops: convolution, range, nuclear_norm, frobenius_norm.

Most take F's arguments in F's order and are the same functions. The rest keep torch's own
top-level signatures, which differ from F's: dropout's ``train``, batch_norm's and
instance_norm's argument order, embedding's (weight, indices), the losses' integer reductions
(0 none, 1 mean, 2 sum; left out, none: what torch's top-level losses do, although their schemas
say mean), adaptive_max_pool1d's (values, indices) and constant_pad_nd.
"""
import math as _math
import warnings as _warnings

from . import _C
from .nn import functional as _F

conv1d = _F.conv1d
conv2d = _F.conv2d
conv3d = _F.conv3d
conv_transpose1d = _F.conv_transpose1d
conv_transpose2d = _F.conv_transpose2d
conv_transpose3d = _F.conv_transpose3d
layer_norm = _F.layer_norm
group_norm = _F.group_norm
rms_norm = _F.rms_norm
bilinear = _F.bilinear
cosine_similarity = _F.cosine_similarity
pairwise_distance = _F.pairwise_distance
pixel_shuffle = _F.pixel_shuffle
pixel_unshuffle = _F.pixel_unshuffle
channel_shuffle = _F.channel_shuffle
native_channel_shuffle = _F.channel_shuffle
prelu = _F.prelu
rrelu = _F.rrelu
hardshrink = _F.hardshrink
threshold = _F.threshold
max_pool1d = _F.max_pool1d
max_pool2d = _F.max_pool2d
max_pool3d = _F.max_pool3d
max_pool1d_with_indices = _F.max_pool1d_with_indices
avg_pool1d = _F.avg_pool1d
adaptive_avg_pool1d = _F.adaptive_avg_pool1d

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(op, reduction):
    if isinstance(reduction, str):
        return reduction
    if isinstance(reduction, int) and 0 <= reduction < len(_REDUCTIONS):
        return _REDUCTIONS[reduction]
    raise ValueError(f"{op}: reduction must be 0 (none), 1 (mean), 2 (sum) or its name, got {reduction!r}")


def dropout(input, p, train):
    """torch.dropout(input, p, train): F.dropout with ``train`` for ``training``."""
    return _F.dropout(input, p, training=train)


def dropout_(input, p, train):
    return _F.dropout(input, p, training=train, inplace=True)


def _channel_mask(op, input, p):
    """A keep-or-zero factor per (sample, channel) of input, scaled by 1 / (1 - p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() < 2:
        raise ValueError(f"{op}: expected an input of at least 2 dims, got shape {tuple(input.shape)}")
    keep = _C.empty(tuple(input.shape[:2]) + (1,) * (input.dim() - 2), dtype=input.dtype,
                    device=input.device).bernoulli_(1 - p)
    return keep / (1 - p) if p < 1 else keep


def feature_dropout(input, p, train):
    """Zeroes whole channels (dim 1) of an input of two or more dims, as torch.feature_dropout."""
    return input * _channel_mask("feature_dropout", input, p) if train and p > 0 else input


def feature_dropout_(input, p, train):
    return input.mul_(_channel_mask("feature_dropout_", input, p)) if train and p > 0 else input


def alpha_dropout_(input, p, train):
    return _F.alpha_dropout(input, p, training=train, inplace=True)


def feature_alpha_dropout_(input, p, train):
    return _F.feature_alpha_dropout(input, p, training=train, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _F.rrelu(input, lower, upper, training, inplace=True)


def threshold_(input, threshold, value):
    return _F.threshold(input, threshold, value, inplace=True)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """torch.convolution: conv1d/2d/3d or conv_transpose1d/2d/3d by the weight's dims."""
    dims = weight.dim() - 2
    if dims not in (1, 2, 3):
        raise ValueError(f"convolution: expected a weight of 3 to 5 dims, got shape {tuple(weight.shape)}")
    if transposed:
        fn = (_F.conv_transpose1d, _F.conv_transpose2d, _F.conv_transpose3d)[dims - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    if any(p != 0 for p in (output_padding if isinstance(output_padding, (list, tuple)) else [output_padding])):
        raise ValueError("convolution: output_padding is only for transposed convolutions")
    if dims == 1:  # conv1d's sizes are single ints
        stride, padding, dilation = (v[0] if isinstance(v, (list, tuple)) else v for v in (stride, padding, dilation))
    return (_F.conv1d, _F.conv2d, _F.conv3d)[dims - 1](input, weight, bias, stride, padding, dilation, groups)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):  # noqa: A001 (torch's name)
    """torch.range: start, start + step, ... up to end inclusive (deprecated in PyTorch for arange,
    whose end is exclusive); the default dtype when none is given."""
    _warnings.warn("tg.range is deprecated, as torch.range is: use tg.arange, which excludes end", UserWarning,
                   stacklevel=2)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("range: step must be nonzero")
    n = int(_math.floor((end - start) / step)) + 1
    out = (_C.arange(max(n, 0), dtype=_C.float64) * step + start).to(dtype or _C.get_default_dtype())
    return (out if device is None else out.to(device)).requires_grad_(requires_grad)


def nuclear_norm(input, dim=None, keepdim=False):
    """The sum of the singular values of the matrices over dim (two dims; the last two by default)."""
    if isinstance(dim, bool):  # torch's nuclear_norm(input, keepdim) form
        dim, keepdim = None, dim
    return _C.linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else tuple(dim), keepdim=keepdim)


def frobenius_norm(input, dim=(-2, -1), keepdim=False):
    """sqrt of the sum of squares over dim (torch.frobenius_norm)."""
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    return _C.linalg.vector_norm(input, 2, dim=dim, keepdim=keepdim)


def alpha_dropout(input, p, train):
    return _F.alpha_dropout(input, p, training=train)


def feature_alpha_dropout(input, p, train):
    return _F.feature_alpha_dropout(input, p, training=train)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    """torch.batch_norm: weight and bias before the running statistics (F.batch_norm has them after)."""
    return _F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled=True):
    return _F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding(weight, indices): F.embedding's arguments the other way round; padding_idx -1 is none."""
    if sparse:
        raise ValueError("embedding: sparse gradients are not supported (tapegrad has no sparse tensors)")
    if scale_grad_by_freq:
        raise ValueError("embedding: scale_grad_by_freq is not supported")
    return _F.embedding(indices, weight, padding_idx=None if padding_idx < 0 else padding_idx)


def adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: the values and the indices."""
    return _F.adaptive_max_pool1d(input, output_size, return_indices=True)


def constant_pad_nd(input, pad, value=0):
    return _F.pad(input, pad, mode="constant", value=value)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return _F.binary_cross_entropy_with_logits(input, target, weight=weight, pos_weight=pos_weight,
                                               reduction=_reduction("binary_cross_entropy_with_logits", reduction))


def kl_div(input, target, reduction=0, *, log_target=False):
    return _F.kl_div(input, target, reduction=_reduction("kl_div", reduction), log_target=log_target)


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return _F.hinge_embedding_loss(input, target, margin=margin, reduction=_reduction("hinge_embedding_loss", reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return _F.margin_ranking_loss(input1, input2, target, margin=margin,
                                  reduction=_reduction("margin_ranking_loss", reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return _F.cosine_embedding_loss(input1, input2, target, margin=margin,
                                    reduction=_reduction("cosine_embedding_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=0):
    return _F.triplet_margin_loss(anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap,
                                  reduction=_reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _F.poisson_nll_loss(input, target, log_input=log_input, full=full, eps=eps,
                               reduction=_reduction("poisson_nll_loss", reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    return _F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=blank,
                       reduction=_reduction("ctc_loss", reduction), zero_infinity=zero_infinity)
