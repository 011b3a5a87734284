"""tg.autograd: backward and grad, grad mode, anomaly mode, gradcheck, custom Functions, the
tape as a thing to look at (print_graph, to_dot, backward_steps), in tg.autograd.graph hooks on
the tape (on saved tensors, on nodes, on several tensors' gradients), in tg.autograd.forward_ad
forward-mode AD with dual tensors and, in tg.autograd.functional, Jacobians, Hessians and their
products with vectors; torch's legacy Variable."""
import functools

from .. import _C
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        is_inference_mode_enabled)
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .function import Function, FunctionCtx
from . import forward_ad
from . import functional
from . import graph
from . import profiler
from .variable import Variable

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
    a batch of them, and each gradient gets that dim too (one backward pass per entry). Outputs
    and inputs may be ``tg.autograd.graph.GradientEdge`` objects (``get_gradient_edge``) as well
    as tensors; an edge output needs its grad_output."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    one = (_C.Tensor, graph.GradientEdge)
    single_input = isinstance(inputs, one)
    inputs = [inputs] if single_input else list(inputs)
    outputs = [outputs] if isinstance(outputs, one) else list(outputs)
    if any(isinstance(e, graph.GradientEdge) for e in outputs + inputs):
        run = functools.partial(_grad_on_edges, outputs, inputs)
    else:
        run = functools.partial(_A.grad, outputs, inputs)
    if not is_grads_batched:
        grads = run(grad_outputs, retain_graph, create_graph, allow_unused)
    else:
        grads = _batched_grad(run, inputs, grad_outputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        if any(g is None and isinstance(x, graph.GradientEdge) for g, x in zip(grads, inputs)):
            raise RuntimeError("materialize_grads cannot be used when the given input is a GradientEdge")
        grads = tuple(_C.zeros_like(x) if g is None else g for g, x in zip(grads, inputs))
    return tuple(grads)


def _grad_on_edges(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, _C.Tensor):
        grad_outputs = [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: got {len(outputs)} outputs but {len(grad_outputs)} gradients")
    edges, grads = [], []
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if isinstance(o, graph.GradientEdge):
                raise RuntimeError(f"grad: output {i} is a GradientEdge, whose grad_output must be given")
            if o.numel() != 1:
                raise RuntimeError("grad: a gradient can be created implicitly only for one-element outputs; "
                                   f"output {i} has shape {list(o.shape)}")
            g = _C.ones_like(o)
        edges.append(o if isinstance(o, graph.GradientEdge) else graph.get_gradient_edge(o))
        grads.append(g)
    targets = [x if isinstance(x, graph.GradientEdge) else graph.get_gradient_edge(x) for x in inputs]
    return _A._grad_edges(edges, grads, targets, retain_graph, create_graph, allow_unused)


def _batched_grad(run, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
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
        rows.append(run([g[b] for g in grad_outputs], keep, create_graph, allow_unused))
    result = []
    for k, x in enumerate(inputs):
        column = [row[k] for row in rows]
        if batch and all(g is None for g in column):
            result.append(None)
        elif batch and all(g is not None for g in column):
            result.append(_C.stack(column, 0))
        elif isinstance(x, graph.GradientEdge):
            raise RuntimeError(f"autograd.grad: input {k} is a GradientEdge that not every entry of the batch "
                               "reaches, and an edge has no shape to fill the others with")
        elif batch:
            result.append(_C.stack([_C.zeros_like(x) if g is None else g for g in column], 0))
        else:
            result.append(_C.zeros([0] + list(x.shape), dtype=x.dtype, device=x.device))
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
           "gradcheck", "gradgradcheck", "to_dot", "format_graph", "print_graph", "backward_steps", "forward_ad", "functional",
           "graph"]
