"""tg.cuda: CUDA devices, streams and events, and the caching allocator's statistics."""
from ._C.cuda import *  # noqa: F401,F403
