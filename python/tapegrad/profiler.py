"""torch.profiler's op profile: which ops a piece of code ran, how often, and where its time went.

    with tg.profiler.profile() as prof:
        with tg.profiler.record_function("step"):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")  # chrome://tracing or ui.perfetto.dev

Every C++ op (tg.add, F.linear, ...), every backward node (MulBackward, ...) and every
record_function range is timed on its thread; an op called inside another is nested in it, and
its time is left out of the outer op's self time. Times are host times: on a GPU an op's time is
its launch, not its kernel (synchronize inside a record_function to time the kernels). Input
shapes, memory, call stacks, FLOPs and modules are not recorded: record_shapes, profile_memory,
with_stack, with_flops and with_modules are accepted for PyTorch's scripts and add nothing, and
schedule is not supported.
"""
import enum
import functools
import json

from . import _C

_P = _C.profiler


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1


class FunctionEvent:
    """One timed event; times in microseconds, as PyTorch's."""

    def __init__(self, event, self_us):
        self.name = self.key = event.name
        self.thread = event.thread
        self.depth = event.depth
        self.start_us = event.start_ns / 1e3
        self.end_us = event.end_ns / 1e3
        self.cpu_time_total = self.end_us - self.start_us
        self.self_cpu_time_total = self_us
        self.count = 1

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} thread={self.thread} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class FunctionEventAvg:
    """One name's totals (key_averages); times in microseconds."""

    def __init__(self, totals):
        self.key = self.name = totals.name
        self.count = totals.count
        self.cpu_time_total = totals.total_ns / 1e3
        self.self_cpu_time_total = totals.self_ns / 1e3
        self.cpu_time = self.cpu_time_total / totals.count

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} count={self.count} cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class EventList(list):
    """A list of events (profile.events()) or of per-name totals (key_averages()), with table()."""

    def __init__(self, items, raw):
        super().__init__(items)
        self._raw = raw

    def table(self, sort_by=None, row_limit=100, **kwargs):
        """PyTorch's table: self and total time with their shares, the mean time, calls; sort_by is
        cpu_time_total (the default), self_cpu_time_total, cpu_time or count."""
        return _P.table(self._raw, sort_by or "cpu_time_total", -1 if row_limit is None or row_limit < 0 else row_limit)

    def key_averages(self):
        return EventList([FunctionEventAvg(t) for t in _P.totals(self._raw)], self._raw)

    def total_average(self):
        total = FunctionEventAvg.__new__(FunctionEventAvg)
        total.key = total.name = "Total"
        total.count = sum(e.count for e in self)
        total.cpu_time_total = sum(e.cpu_time_total for e in self)
        total.self_cpu_time_total = sum(e.self_cpu_time_total for e in self)
        total.cpu_time = total.cpu_time_total / total.count if total.count else 0.0
        return total

    def __str__(self):
        return self.table()


class profile:
    """Records the ops run inside ``with profile() as prof:`` (or between start() and stop())."""

    def __init__(self, activities=None, *, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False, use_cuda=None):
        if schedule is not None:
            raise NotImplementedError("tg.profiler.profile: schedule is not supported; profile the steps you want "
                                      "inside the with block")
        for a in activities or ():
            if not isinstance(a, ProfilerActivity):
                raise TypeError(f"tg.profiler.profile: activities must be ProfilerActivity values, got {a!r}")
        self.activities = set(activities or (ProfilerActivity.CPU,))
        self.on_trace_ready = on_trace_ready
        self._raw = None

    def start(self):
        _P.start()
        return self

    def stop(self):
        self._raw = _P.stop()
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def step(self):
        """Marks a step's end (a schedule's unit in PyTorch): recorded as nothing here."""

    def _events(self):
        if self._raw is None:
            raise RuntimeError("tg.profiler.profile: no results yet: the recording is still on (or never ran)")
        return self._raw

    def events(self):
        """Every event, by start time (FunctionEvent: name, thread, depth, times in us)."""
        raw = self._events()
        # Self time: the total less the events directly inside, the latest one level up on the
        # same thread being an event's parent (as tensor/profiler.cpp's totals).
        self_us = [(e.end_ns - e.start_ns) / 1e3 for e in raw]
        parents = {}  # (thread, depth) -> index of the latest event there
        for i, e in enumerate(raw):
            parent = parents.get((e.thread, e.depth - 1))
            if e.depth > 0 and parent is not None:
                self_us[parent] -= (e.end_ns - e.start_ns) / 1e3
            parents[(e.thread, e.depth)] = i
        return EventList([FunctionEvent(e, s) for e, s in zip(raw, self_us)], raw)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """Per-name totals (FunctionEventAvg: count, cpu_time_total, self_cpu_time_total, cpu_time),
        largest total first; .table() prints them."""
        if group_by_input_shape or group_by_stack_n:
            raise NotImplementedError("tg.profiler: input shapes and stacks are not recorded, so key_averages cannot "
                                      "group by them")
        raw = self._events()
        return EventList([FunctionEventAvg(t) for t in _P.totals(raw)], raw)

    def export_chrome_trace(self, path):
        """Writes the events in the Chrome trace format (chrome://tracing, ui.perfetto.dev)."""
        trace = [{"name": e.name, "cat": "cpu_op", "ph": "X", "ts": e.start_ns / 1e3,
                  "dur": (e.end_ns - e.start_ns) / 1e3, "pid": 0, "tid": e.thread} for e in self._events()]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)


class record_function:
    """A named range in the profile (``with record_function("data"):``), also a decorator."""

    def __init__(self, name, args=None):
        self.name = name
        self._range = None

    def __enter__(self):
        self._range = _P.Range(self.name)
        return self

    def __exit__(self, *exc):
        self._range.close()
        self._range = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapped


def is_recording():
    return _P.is_recording()


__all__ = ["ProfilerActivity", "profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg",
           "is_recording"]
