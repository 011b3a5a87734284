"""tg.nn: Module (subclass it in Python), the C++ layers, Parameter, Buffer, the Lazy layers,
AdaptiveLogSoftmaxWithLoss, LinearCrossEntropyLoss, DataParallel, functional, init, utils."""
from .._C.nn import *  # noqa: F401,F403
from . import attention, functional, grad, init, utils  # noqa: E402
from .parameter import Buffer, Parameter  # noqa: E402
from .lazy import *  # noqa: E402,F401,F403  (LazyLinear, LazyConv2d, ...)
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: E402,F401
from . import parallel  # noqa: E402,F401
from .parallel import DataParallel  # noqa: E402,F401

from . import _containers  # noqa: E402,F401  (the dict and list methods written in Python)
from . import _factory_kwargs  # noqa: E402,F401  (device= and dtype= on the layers with parameters)
from . import _state_dict  # noqa: E402,F401  (state_dict's hooks, extra state and options, in Python)
from . import _module_methods  # noqa: E402,F401  (set_submodule, to_empty)
from . import _sync_batchnorm  # noqa: E402,F401  (SyncBatchNorm.convert_sync_batchnorm)
from ._embedding import Embedding, EmbeddingBag  # noqa: E402  (max_norm, scale_grad_by_freq, from_pretrained)
from ._linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions  # noqa: E402,F401
from . import _legacy_reduction  # noqa: E402

_legacy_reduction.wrap_classes(globals())  # size_average= and reduce= on the loss classes
