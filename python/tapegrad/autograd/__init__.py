"""tg.autograd: backward and grad, grad mode, anomaly mode, gradcheck, custom Functions and the
tape as a thing to look at (print_graph, to_dot, backward_steps)."""
from .. import _C
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        is_inference_mode_enabled)
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .function import Function, FunctionCtx

_A = _C.autograd
Node = _A.Node
BackwardStepper = _A.BackwardStepper
backward = _A.backward
grad = _A.grad
gradcheck = _A.gradcheck
gradgradcheck = _A.gradgradcheck
to_dot = _A.to_dot
format_graph = _A.format_graph


def print_graph(tensor, file=None):
    """Prints the tape that produced ``tensor``: nodes, shapes, saved tensors and their bytes."""
    print(_A.format_graph(tensor), file=file)


def backward_steps(tensor, gradient=None, retain_graph=False, create_graph=False):
    """Runs ``tensor.backward()`` one node at a time: iterate to get each step's node and the
    gradients that flowed into and out of it."""
    return _A.BackwardStepper(tensor, gradient, retain_graph, create_graph)


__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "Function", "FunctionCtx", "Node", "BackwardStepper", "backward", "grad",
           "gradcheck", "gradgradcheck", "to_dot", "format_graph", "print_graph", "backward_steps"]
