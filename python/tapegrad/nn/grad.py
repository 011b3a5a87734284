"""tg.nn.grad: the gradients of a convolution with respect to its input and to its weight, given
the gradient of its output (torch.nn.grad), for custom Functions that run a convolution's backward
themselves. Each is the backward of the convolution itself, through autograd (a convolution is
linear in each argument, so the other one's values alone fix the result); it is differentiable
when its tensor arguments require grad."""
from .. import _C
from .. import autograd as _autograd
from . import functional as _F

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _grad_of(conv, name, which, known, size, grad_output, stride, padding, dilation, groups):
    unknown = _C.zeros(tuple(size), dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
    create_graph = known.requires_grad or grad_output.requires_grad
    with _autograd.enable_grad():
        x, w = (unknown, known) if which == "input" else (known, unknown)
        out = conv(x, w, None, stride, padding, dilation, groups)
    if tuple(out.shape) != tuple(grad_output.shape):
        raise RuntimeError(f"{name}: grad_output has shape {tuple(grad_output.shape)}, but the convolution of "
                           f"{tuple(x.shape)} by {tuple(w.shape)} gives {tuple(out.shape)}")
    return _autograd.grad(out, unknown, grad_output, create_graph=create_graph)[0]


def _pair_of_functions(n):
    conv = getattr(_F, f"conv{n}d")

    def conv_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
        return _grad_of(conv, f"conv{n}d_input", "input", weight, input_size, grad_output, stride, padding, dilation,
                        groups)

    def conv_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
        return _grad_of(conv, f"conv{n}d_weight", "weight", input, weight_size, grad_output, stride, padding,
                        dilation, groups)

    conv_input.__name__ = conv_input.__qualname__ = f"conv{n}d_input"
    conv_weight.__name__ = conv_weight.__qualname__ = f"conv{n}d_weight"
    conv_input.__doc__ = f"The gradient of conv{n}d with respect to an input of shape input_size."
    conv_weight.__doc__ = f"The gradient of conv{n}d with respect to a weight of shape weight_size."
    return conv_input, conv_weight


conv1d_input, conv1d_weight = _pair_of_functions(1)
conv2d_input, conv2d_weight = _pair_of_functions(2)
conv3d_input, conv3d_weight = _pair_of_functions(3)
