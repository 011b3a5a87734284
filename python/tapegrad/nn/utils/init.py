"""skip_init: a module made without running its initialization, as torch.nn.utils.skip_init."""
__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """``module_cls(*args, **kwargs)`` whose parameters and buffers hold uninitialized memory (on
    ``kwargs["device"]``, the CPU by default), for code that loads or sets every value itself.
    The class must take a ``device`` keyword, as torch requires."""
    final_device = kwargs.pop("device", "cpu")
    module = module_cls(*args, **kwargs)
    return module.to_empty(device=final_device)
