"""tg.func: PyTorch's torch.func over tapegrad's tape. functional_call and stack_module_state run
modules on other tensors; grad, grad_and_value, vjp, jvp, linearize, jacrev, jacfwd and hessian turn a
function into its derivatives (they nest); vmap maps a function over a dim of its inputs; rearrange
is einops' reshape-and-permute by pattern."""
from ._functional_call import functional_call, stack_module_state
from ._rearrange import rearrange
from ._transforms import grad, grad_and_value, vjp, jvp, linearize, jacrev, jacfwd, hessian
from ._vmap import vmap

__all__ = ["functional_call", "stack_module_state", "grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd",
           "hessian", "vmap", "rearrange"]
