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
jvp, for tg.autograd.forward_ad, returns one tangent per output.
The node is the same C++ node a C++ Function records, so it prints, steps and hooks the same.
"""
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

    @classmethod
    def apply(cls, *args):
        return _C.autograd._function_apply(cls, *args)
