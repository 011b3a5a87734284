"""tg.nn.functional: torch.nn.functional's ops with its names and keywords."""
import warnings as _warnings

from .. import _C
from ..backends import cuda as _backends_cuda
from .._C.nn.functional import *  # noqa: F401,F403
from ._linear_cross_entropy import linear_cross_entropy  # noqa: F401


def _positional_inplace(args, params, inplace):
    """torch's inplace flag may come positionally, after the op's own `params` arguments."""
    if len(args) == params + 1:
        return args[:params], args[params]
    return args, inplace


def _activation(name):
    fn = getattr(_C, name)

    def activation(input, *args, inplace=False, **kwargs):
        args, inplace = _positional_inplace(args, 0, inplace)
        if inplace and not args and not kwargs:
            return getattr(input, name + "_")()
        return fn(input, *args, **kwargs)

    activation.__name__ = name
    activation.__doc__ = f"tg.{name}, with PyTorch's inplace flag."
    return activation


def _inplace_activation(name, params=0):
    """tg.<name>, with PyTorch's inplace flag (tg.<name>_ in place), after the op's `params` arguments."""
    fn, fn_ = getattr(_C, name), getattr(_C, name + "_")

    def activation(input, *args, inplace=False, **kwargs):
        args, inplace = _positional_inplace(args, params, inplace)
        return (fn_ if inplace else fn)(input, *args, **kwargs)

    activation.__name__ = name
    activation.__doc__ = f"tg.{name}, with PyTorch's inplace flag."
    return activation


relu = _activation("relu")
sigmoid = _C.sigmoid
tanh = _C.tanh
gelu = _C.gelu
softplus = _C.softplus
silu = _inplace_activation("silu")
leaky_relu = _inplace_activation("leaky_relu", 1)
elu = _inplace_activation("elu", 1)
selu = _inplace_activation("selu")
celu = _inplace_activation("celu", 1)
hardtanh = _inplace_activation("hardtanh", 2)
relu6 = _inplace_activation("relu6")
hardsigmoid = _inplace_activation("hardsigmoid")
hardswish = _inplace_activation("hardswish")
mish = _inplace_activation("mish")
leaky_relu_ = _C.leaky_relu_
elu_ = _C.elu_
selu_ = _C.selu_
celu_ = _C.celu_
hardtanh_ = _C.hardtanh_


def relu_(input):
    return input.relu_()


def _written_back(input, out, inplace):
    """torch's inplace flag for ops that compute a new tensor: the result copied into input."""
    return input.copy_(out) if inplace else out


def _dropout(name, training_default):
    """F.<name> with torch's signature and its inplace flag honoured."""
    fn = getattr(_C.nn.functional, name)

    def dropout(input, p=0.5, training=training_default, inplace=False):
        return _written_back(input, fn(input, p, training), inplace)

    dropout.__name__ = dropout.__qualname__ = name
    dropout.__doc__ = fn.__doc__
    return dropout


dropout = _dropout("dropout", True)
dropout1d = _dropout("dropout1d", True)
dropout2d = _dropout("dropout2d", True)
dropout3d = _dropout("dropout3d", True)
alpha_dropout = _dropout("alpha_dropout", False)
feature_alpha_dropout = _dropout("feature_alpha_dropout", False)

_rrelu = _C.nn.functional.rrelu


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    return _written_back(input, _rrelu(input, lower, upper, training), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def threshold(input, threshold, value, inplace=False):
    out = _C.nn.functional._threshold(input, threshold, value)
    return input.copy_(out) if inplace else out


def _implicit_dim(name, ndim, stacklevel):
    """torch's choice for a softmax called without dim (deprecated there): 0 for 0-, 1- and 3-D
    input, else 1, with its warning."""
    _warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                   "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    return _C.nn.functional._softmin(input if dtype is None else input.to(dtype), dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmax", input.dim(), _stacklevel)
    return _C.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return _C.log_softmax(input, dim, dtype=dtype)



def pdist(input, p=2):
    return _C.pdist(input, p)


def _with_indices(name):
    """torch.nn.functional's <name>_with_indices: <name> with return_indices=True."""
    fn = globals()[name]

    def pool(input, *args, **kwargs):
        kwargs["return_indices"] = True
        return fn(input, *args, **kwargs)

    pool.__name__ = name + "_with_indices"
    pool.__doc__ = f"tg.nn.functional.{name} with return_indices=True: (output, indices)."
    return pool


for _name in ("max_pool1d", "max_pool2d", "max_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
              "adaptive_max_pool3d", "fractional_max_pool2d", "fractional_max_pool3d"):
    globals()[_name + "_with_indices"] = _with_indices(_name)
del _name


def threshold_(input, threshold, value):
    return input.copy_(_C.nn.functional._threshold(input, threshold, value))


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")  # noqa: F405


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)  # noqa: F405


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)  # noqa: F405


from ._embedding import embedding, embedding_bag  # noqa: E402  (max_norm, norm_type, scale_grad_by_freq)


_sdpa = _C.nn.functional.scaled_dot_product_attention
from .attention.bias import CausalBias as _CausalBias  # noqa: E402


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value over the last two dims, with dropout on the
    weights; `enable_gqa` lets key and value have fewer heads (dim -3) than query. The math
    backend: it raises when tg.nn.attention.sdpa_kernel (or enable_math_sdp(False)) switched it off."""
    if not _backends_cuda._sdp["math"]:
        raise RuntimeError("scaled_dot_product_attention: no available kernel: tapegrad computes attention with the "
                           "math backend only, and it is switched off here (add SDPBackend.MATH to sdpa_kernel's "
                           "backends)")
    if type(attn_mask) is _CausalBias:
        if is_causal:
            raise ValueError("CausalBias should not be used with causal=True")
        attn_mask = attn_mask._materialize(query.device) if isinstance(query, _C.Tensor) else attn_mask
    return _sdpa(query, key, value, attn_mask, dropout_p, is_causal, scale=scale, enable_gqa=enable_gqa)



_mse_loss, _l1_loss, _huber_loss, _normalize = (_C.nn.functional.mse_loss, _C.nn.functional.l1_loss,
                                                _C.nn.functional.huber_loss, _C.nn.functional.normalize)


def _weighted(loss, weight, input, reduction, mean_over_weight):
    """torch's weight= of mse_loss / l1_loss / huber_loss: each element's loss scaled by its
    weight; "mean" divides by the weights' sum (mse, l1) or the element count (huber), as torch."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum() if mean_over_weight else weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def mse_loss(input, target, reduction="mean", weight=None):
    if weight is None:
        return _mse_loss(input, target, reduction)
    return _weighted(_mse_loss(input, target, "none"), weight, input, reduction, True)


def l1_loss(input, target, reduction="mean", weight=None):
    if weight is None:
        return _l1_loss(input, target, reduction)
    return _weighted(_l1_loss(input, target, "none"), weight, input, reduction, True)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if weight is None:
        return _huber_loss(input, target, reduction, delta)
    return _weighted(_huber_loss(input, target, "none", delta), weight, input, reduction, False)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    result = _normalize(input, p, dim, eps)
    if out is None:
        return result
    from .._out import _finish_out
    return _finish_out(normalize, result, out)


for _fn, _base in ((mse_loss, _mse_loss), (l1_loss, _l1_loss), (huber_loss, _huber_loss), (normalize, _normalize)):
    _fn.__doc__ = _base.__doc__


from . import _legacy_reduction  # noqa: E402  (size_average= and reduce= on the losses)

for _name in _legacy_reduction.FUNCTIONS:
    globals()[_name] = _legacy_reduction.wrap_function(_name, globals()[_name])
del _name
