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

forward runs without recording; backward returns one gradient (or None) per argument of forward.
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

    @classmethod
    def apply(cls, *args):
        return _C.autograd._function_apply(cls, *args)
