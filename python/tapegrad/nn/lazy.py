"""Lazy modules (PyTorch's LazyLinear, LazyConv*d, LazyConvTranspose*d, LazyBatchNorm*d,
LazyInstanceNorm*d): the input size comes from the first input. Until then the parameters are
UninitializedParameter placeholders; the first forward gives them their shapes and values in place
(the same objects, so an optimizer made before it holds them) and the module then runs the C++
layer it stands for. Unlike PyTorch, the module keeps its Lazy class afterwards."""
from .. import _C
from ..autograd import no_grad
from .parameter import Parameter

__all__ = ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear", "UninitializedBuffer", "UninitializedParameter"]


def _placeholder(device, dtype):
    return _C.empty(0, device=device or "cpu", dtype=dtype or _C.get_default_dtype())


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet; ``materialize`` gives it one (and makes it a
    plain Parameter)."""

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(_placeholder(device, dtype), requires_grad)

    def materialize(self, shape, device=None, dtype=None):
        self.data = _C.empty(tuple(shape), device=device or self.device, dtype=dtype or self.dtype)
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


class UninitializedBuffer(_C.Tensor):
    """A buffer whose shape is not known yet (a lazy module's running statistics)."""

    def __init__(self, requires_grad=False, device=None, dtype=None):
        super().__init__(_placeholder(device, dtype))
        _C._keep_identity(self)

    def materialize(self, shape, device=None, dtype=None):
        self.data = _C.empty(tuple(shape), device=device or self.device, dtype=dtype or self.dtype)


class _LazyModule(_C.nn.Module):
    def __init__(self, parameters, buffers, device, dtype):
        """parameters and buffers: {name: whether the layer will have it}; those it won't are None
        (torch's bias=False: ``layer.bias is None``)."""
        super().__init__()
        for name, present in parameters.items():
            self.register_parameter(name, UninitializedParameter(device=device, dtype=dtype) if present else None)
        for name, present in buffers.items():
            self.register_buffer(name, UninitializedBuffer(device=device, dtype=dtype) if present else None)
        self._factory = {"device": device, "dtype": dtype}

    def _build(self, input):
        """The C++ layer this module stands for, sized for ``input``."""
        raise NotImplementedError

    def has_uninitialized_params(self):
        return "_tg_layer" not in self.__dict__

    def initialize_parameters(self, input, *args, **kwargs):
        """Sizes the parameters for ``input`` (what the first forward does)."""
        if not self.has_uninitialized_params():
            return
        layer = self._build(input)
        layer.to(**{k: v for k, v in self._factory.items() if v is not None})
        with no_grad():
            # The layer's fresh values move into this module's objects, which the layer then uses.
            for name, value in list(layer.named_parameters(recurse=False)) + list(layer.named_buffers(recurse=False)):
                mine = getattr(self, name)
                mine.data = value.detach()
                if isinstance(mine, UninitializedParameter):
                    mine.__class__ = Parameter
                layer._swap_tensor(name, mine)
        self.__dict__["_tg_layer"] = layer  # not a submodule: its tensors are this module's own

    def forward(self, input, *args):
        if self.has_uninitialized_params():
            self.initialize_parameters(input)
        layer = self.__dict__["_tg_layer"]
        if layer.training != self.training:
            layer.train(self.training)
        return layer(input, *args)

    def extra_repr(self):
        layer = self.__dict__.get("_tg_layer")
        return layer.extra_repr() if layer is not None else self._lazy_repr()

    def _lazy_repr(self):
        return ""


class LazyLinear(_LazyModule):
    """Linear whose in_features is the last dim of the first input."""

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__({"weight": True, "bias": bias}, {}, device, dtype)
        self.in_features, self.out_features, self._bias = 0, out_features, bias

    def _build(self, input):
        self.in_features = input.shape[-1]
        return _C.nn.Linear(self.in_features, self.out_features, self._bias)

    def _lazy_repr(self):
        return f"in_features=0, out_features={self.out_features}, bias={self._bias}"


class _LazyConvNd(_LazyModule):
    _layer = None
    _spatial = 0

    def __init__(self, out_channels, kernel_size, bias, device, dtype, **options):
        super().__init__({"weight": True, "bias": bias}, {}, device, dtype)
        self.in_channels, self.out_channels = 0, out_channels
        self._options = dict(kernel_size=kernel_size, bias=bias, **options)

    def _build(self, input):
        batched = self._spatial + 2
        if input.dim() not in (batched - 1, batched):
            raise RuntimeError(f"Expected {batched - 1}D (unbatched) or {batched}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {list(input.shape)}")
        self.in_channels = input.shape[1] if input.dim() == batched else input.shape[0]
        return self._layer(self.in_channels, self.out_channels, **self._options)

    def _lazy_repr(self):
        return f"0, {self.out_channels}, kernel_size={self._options['kernel_size']}"


def _lazy_conv(name, layer, spatial, transposed):
    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                     dilation=1, padding_mode="zeros", device=None, dtype=None):
            _LazyConvNd.__init__(self, out_channels, kernel_size, bias, device, dtype, stride=stride, padding=padding,
                                 output_padding=output_padding, groups=groups, dilation=dilation)
            if padding_mode != "zeros":
                raise ValueError(f'Only "zeros" padding mode is supported for {name}')
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                     padding_mode="zeros", device=None, dtype=None):
            _LazyConvNd.__init__(self, out_channels, kernel_size, bias, device, dtype, stride=stride, padding=padding,
                                 dilation=dilation, groups=groups, padding_mode=padding_mode)
    doc = f"{layer.__name__} whose in_channels come from the first input."
    return type(name, (_LazyConvNd,), {"__init__": __init__, "__doc__": doc, "_layer": layer, "_spatial": spatial})


LazyConv1d = _lazy_conv("LazyConv1d", _C.nn.Conv1d, 1, False)
LazyConv2d = _lazy_conv("LazyConv2d", _C.nn.Conv2d, 2, False)
LazyConv3d = _lazy_conv("LazyConv3d", _C.nn.Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", _C.nn.ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", _C.nn.ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", _C.nn.ConvTranspose3d, 3, True)


def _norm_option(name, settable):
    """BatchNorm's option attribute: the given value until the layer exists, then the layer's."""
    def get(self):
        layer = self.__dict__.get("_tg_layer")
        return getattr(layer, name) if layer is not None else self._options[name]

    def set(self, value):
        self._options[name] = value
        layer = self.__dict__.get("_tg_layer")
        if layer is not None:
            setattr(layer, name, value)

    return property(get, set if settable else None)


class _LazyNorm(_LazyModule):
    _layer = None
    _spatial = 0
    _instance = False
    eps = _norm_option("eps", True)
    momentum = _norm_option("momentum", True)
    affine = _norm_option("affine", False)
    track_running_stats = _norm_option("track_running_stats", False)

    def __init__(self, eps, momentum, affine, track_running_stats, device, dtype, bias):
        super().__init__({"weight": affine, "bias": affine and bias},
                         {"running_mean": track_running_stats, "running_var": track_running_stats}, device, dtype)
        self.register_buffer("num_batches_tracked", _C.tensor(0, dtype=_C.int64) if track_running_stats else None)
        self.num_features = 0
        self._options = dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track_running_stats,
                             bias=bias)

    def _build(self, input):
        unbatched = self._spatial + 1
        self.num_features = input.shape[0] if self._instance and input.dim() == unbatched else input.shape[1]
        return self._layer(self.num_features, **self._options)

    def _lazy_repr(self):
        o = self._options  # torch's order, bias as whether there is one
        return (f"0, eps={o['eps']}, momentum={o['momentum']}, affine={o['affine']}, "
                f"bias={o['affine'] and o['bias']}, track_running_stats={o['track_running_stats']}")


def _lazy_norm(name, layer, spatial, instance):
    # torch's Lazy norms all default to affine and tracking, LazyInstanceNorm too (unlike InstanceNorm)
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None,
                 *, bias=True):
        _LazyNorm.__init__(self, eps, momentum, affine, track_running_stats, device, dtype, bias)

    doc = f"{layer.__name__} whose num_features comes from the first input."
    return type(name, (_LazyNorm,), {"__init__": __init__, "__doc__": doc, "_layer": layer, "_spatial": spatial,
                                     "_instance": instance})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", _C.nn.BatchNorm1d, 1, False)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", _C.nn.BatchNorm2d, 2, False)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", _C.nn.BatchNorm3d, 3, False)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", _C.nn.InstanceNorm1d, 1, True)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", _C.nn.InstanceNorm2d, 2, True)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", _C.nn.InstanceNorm3d, 3, True)
