"""tg.nn.Parameter and tg.nn.Buffer: tensors that a Module registers (as a parameter, or as a
buffer) when assigned to one of its attributes."""
from .. import _C


class Parameter(_C.Tensor):
    """A leaf tensor (sharing ``data``'s memory) that requires grad unless told otherwise."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        super().__init__(data.detach() if isinstance(data, _C.Tensor) else _C.tensor(data))
        self.requires_grad_(requires_grad)
        _C._keep_identity(self)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Buffer(_C.Tensor):
    """A tensor a Module registers as a buffer when assigned to an attribute (``self.steps =
    nn.Buffer(torch.zeros(()))``); ``persistent=False`` leaves it out of state_dict."""

    def __init__(self, data=None, *, persistent=True):
        if data is None:
            data = _C.empty(0)
        super().__init__(data.detach() if isinstance(data, _C.Tensor) else _C.tensor(data))
        self.persistent = persistent
        _C._keep_identity(self)


_C.nn._set_parameter_class(Parameter)
_C.nn._set_buffer_class(Buffer)
