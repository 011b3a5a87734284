"""tg.cuda: CUDA devices and the caching allocator's statistics."""
from ._C.cuda import *  # noqa: F401,F403
