"""tg.nn.utils.rnn: batching variable-length sequences (torch.nn.utils.rnn's names)."""
from ..._C.nn.utils.rnn import *  # noqa: F401,F403
