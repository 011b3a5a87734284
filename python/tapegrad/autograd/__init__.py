"""tg.autograd: backward and grad, grad mode, anomaly mode, gradcheck, custom Functions, the
tape as a thing to look at (print_graph, to_dot, backward_steps), in tg.autograd.graph hooks on
the tape (on saved tensors, on nodes, on several tensors' gradients) and, in
tg.autograd.functional, Jacobians, Hessians and their products with vectors."""
from .. import _C
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        is_inference_mode_enabled)
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .function import Function, FunctionCtx
from . import functional
from . import graph

_A = _C.autograd
Node = _A.Node
BackwardStepper = _A.BackwardStepper
backward = _A.backward
gradcheck = _A.gradcheck
gradgradcheck = _A.gradgradcheck
to_dot = _A.to_dot
format_graph = _A.format_graph


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple, one per input), as
    torch.autograd.grad: ``allow_unused`` gives None for an input the outputs do not reach (zeros
    with ``materialize_grads``); with ``is_grads_batched`` the first dim of each grad_output holds
    a batch of them, and each gradient gets that dim too (one backward pass per entry)."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    single_input = isinstance(inputs, _C.Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if not is_grads_batched:
        grads = _A.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    else:
        grads = _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        grads = tuple(_C.zeros_like(x) if g is None else g for g, x in zip(grads, inputs))
    return tuple(grads)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    outputs = [outputs] if isinstance(outputs, _C.Tensor) else list(outputs)
    if grad_outputs is None:
        raise RuntimeError("autograd.grad: is_grads_batched=True needs grad_outputs, whose first dim is the batch")
    grad_outputs = [grad_outputs] if isinstance(grad_outputs, _C.Tensor) else list(grad_outputs)
    sizes = {g.shape[0] for g in grad_outputs if g is not None and g.dim() > 0}
    if len(sizes) != 1 or any(g is None or g.dim() == 0 for g in grad_outputs):
        shapes = [None if g is None else list(g.shape) for g in grad_outputs]
        raise RuntimeError("autograd.grad: with is_grads_batched=True every grad_output needs the same batch size "
                           f"in its first dim, got shapes {shapes}")
    (batch,) = sizes
    rows = []
    for b in range(batch):
        keep = True if b < batch - 1 else retain_graph
        rows.append(_A.grad(outputs, inputs, [g[b] for g in grad_outputs], keep, create_graph, allow_unused))
    result = []
    for k, x in enumerate(inputs):
        column = [row[k] for row in rows]
        if all(g is None for g in column):
            result.append(None if batch else _C.zeros([0] + list(x.shape), dtype=x.dtype, device=x.device))
        else:
            result.append(_C.stack([_C.zeros_like(x) if g is None else g for g in column], 0))
    return result


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
           "gradcheck", "gradgradcheck", "to_dot", "format_graph", "print_graph", "backward_steps", "functional", "graph"]
