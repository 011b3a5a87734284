"""Custom differentiable functions written in Python, as torch.autograd.Function:

    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    y = Cube.apply(x)

forward runs without recording; backward returns one gradient (or None) per argument of forward;
jvp, for tg.autograd.forward_ad, returns one tangent per output. PyTorch 2's form, a forward
without ctx and a ``setup_context(ctx, inputs, output)`` that saves what backward needs, works
too, and its apply takes keywords (bound to forward's parameters).
The node is the same C++ node a C++ Function records, so it prints, steps and hooks the same.
"""
import functools
import inspect

from .. import _C

FunctionCtx = _C.autograd.FunctionCtx


class Function:
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a tg.autograd.Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a tg.autograd.Function subclass must define backward(ctx, ...)")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode AD: the outputs' tangents from one tangent per argument of forward (None
        for non-tensors, zeros for tensors without one); ctx.saved_tensors holds what forward gave
        ctx.save_for_forward (else save_for_backward)."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it with "
                                  "forward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """With a forward that takes no ctx: saves on ctx what backward needs, from forward's
        arguments (inputs) and its result (output)."""
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        if cls.setup_context is not Function.setup_context:
            # As torch: forward's defaults filled in, so that setup_context sees every input.
            bound = _signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        elif kwargs:
            raise TypeError(f"{cls.__name__}.apply takes keyword arguments only when the Function defines "
                            "setup_context (a forward without ctx)")
        return _C.autograd._function_apply(cls, *args)


@functools.lru_cache(maxsize=None)
def _signature(forward):
    return inspect.signature(forward)
