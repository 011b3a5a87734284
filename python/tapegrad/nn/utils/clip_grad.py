"""tg.nn.utils.clip_grad: where PyTorch's module path puts the clipping functions
(``from torch.nn.utils.clip_grad import clip_grad_norm_``); they are tg.nn.utils's."""
from ..._C.nn.utils import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm  # noqa: F401
from ..._C.nn.utils import clip_grad_norm_ as clip_grad_norm  # noqa: F401  (torch's deprecated name)

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]
