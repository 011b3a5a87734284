"""tg.utils.checkpoint: activation checkpointing (torch.utils.checkpoint). The forward runs
without keeping its intermediate tensors; backward runs it again, with the random stream it
first saw (so dropout masks repeat), and backpropagates through the recomputed graph."""
from .. import _C
from ..autograd import Function, backward, enable_grad, is_grad_enabled

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Recompute(Function):
    @staticmethod
    def forward(ctx, run, preserve_rng_state, _anchor, *args):
        ctx.run, ctx.args = run, args
        ctx.rng = _C.get_rng_state() if preserve_rng_state else None
        return run(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, _C.Tensor) else a for a in ctx.args]
        outside = None
        if ctx.rng is not None:
            outside = _C.get_rng_state()
            _C.set_rng_state(ctx.rng)
        try:
            with enable_grad():
                outputs = ctx.run(*inputs)
        finally:
            if outside is not None:
                _C.set_rng_state(outside)
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, _C.Tensor) and o.requires_grad and g is not None]
        if pairs:
            # The parameters the function used get their gradients here, as in PyTorch.
            backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, None) + tuple(
            i.grad if isinstance(i, _C.Tensor) and i.requires_grad else None for i in inputs)


def checkpoint(function, *args, use_reentrant=None, preserve_rng_state=True, **kwargs):
    """function(*args, **kwargs) without keeping its activations for backward; they are
    recomputed when the gradient arrives. Parameters inside ``function`` get gradients even
    when no input requires grad."""
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    if not is_grad_enabled():
        return run(*args)
    # Makes the outputs require grad whatever the inputs do, so that backward reaches the
    # parameters used inside `function`.
    anchor = _C.empty(0).requires_grad_(True)
    return _Recompute.apply(run, preserve_rng_state, anchor, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs a Sequential (or a list of modules) in `segments` checkpointed pieces; the last
    piece keeps its activations."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    per = (len(functions) + segments - 1) // max(segments, 1)

    def run_slice(start, end):
        def forward(x):
            for f in functions[start:end]:
                x = f(x)
            return x

        return forward

    start = 0
    while start + per < len(functions):
        input = checkpoint(run_slice(start, start + per), input, **kwargs)
        start += per
    return run_slice(start, len(functions))(input)
