"""tg.nn.utils.rnn: batching variable-length sequences (torch.nn.utils.rnn's names)."""
from ..._C.nn.utils.rnn import *  # noqa: F401,F403
from ... import _C as _core


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None stays None), as PackedSequence's indices use."""
    if permutation is None:
        return None
    output = _core.empty_like(permutation)
    output.scatter_(0, permutation, _core.arange(0, permutation.numel(), device=permutation.device))
    return output
