"""torch.autograd.profiler: the older spelling of the op profiler (tapegrad.profiler)."""
from .. import profiler as _profiler
from ..profiler import EventList, FunctionEvent, FunctionEventAvg, record_function  # noqa: F401


class profile(_profiler.profile):
    """``with tg.autograd.profiler.profile() as prof:``; ``enabled=False`` records nothing."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True):
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack,
                         with_flops=with_flops, with_modules=with_modules)
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            return self.start()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stop()
        else:
            self._raw = []
        return False

    def table(self, sort_by=None, row_limit=100, **kwargs):
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit)

    def total_average(self):
        return self.key_averages().total_average()


__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]
