"""tg.utils.benchmark, as torch.utils.benchmark: time a statement the way a notebook wants it timed.

    t = tg.utils.benchmark.Timer("x @ y", globals={"x": x, "y": y}, label="matmul", sub_label="256")
    m = t.blocked_autorange(min_run_time=0.5)   # Measurement: median, iqr, mean, times
    print(m)
    tg.utils.benchmark.Compare([m, ...]).print()

A statement is run `number_per_run` times per measurement (enough that a measurement is well above
the clock's resolution), with tg's threads set to `num_threads` (1 by default, as torch's Timer)
and, when a GPU is present, the device synchronized before each clock reading so that the time
covers the kernels the statement launched."""
import enum
import math
import statistics
import timeit

from .. import _C

__all__ = ["Timer", "Measurement", "Compare", "Language"]


class Language(enum.Enum):
    PYTHON = 0
    CPP = 1


def _synchronized_timer():
    sync = _C.cuda.synchronize if _C.cuda.is_available() else None

    def clock():
        if sync is not None:
            sync()
        return timeit.default_timer()

    return clock


class _Task:
    def __init__(self, stmt, setup, label, sub_label, description, env, num_threads):
        self.stmt, self.setup, self.label, self.sub_label = stmt, setup, label, sub_label
        self.description, self.env, self.num_threads = description, env, num_threads

    @property
    def title(self):
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        return f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n" + "\n".join(
            "  " + line for line in self.stmt.splitlines())


def _unit(seconds):
    """The unit a time reads best in: (name, seconds per unit)."""
    for name, scale, below in (("ns", 1e-9, 1e-6), ("us", 1e-6, 1e-3), ("ms", 1e-3, 1.0)):
        if seconds < below:
            return name, scale
    return "s", 1.0


def _quantile(sorted_values, q):
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


class Measurement:
    """The times of one statement: `raw_times` (seconds per measurement of `number_per_run` runs),
    `times` (seconds per run), and their median, mean and interquartile range."""

    def __init__(self, number_per_run, raw_times, task_spec, metadata=None):
        if not raw_times:
            raise ValueError("Measurement: no times")
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)
        self.task_spec = task_spec
        self.metadata = metadata

    def __getattr__(self, name):  # stmt, label, sub_label, description, env, num_threads, title
        if name in ("stmt", "setup", "label", "sub_label", "description", "env", "num_threads", "title"):
            return getattr(self.task_spec, name)
        raise AttributeError(name)

    @property
    def times(self):
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def _sorted(self):
        return sorted(self.times)

    @property
    def median(self):
        return _quantile(self._sorted, 0.5)

    @property
    def mean(self):
        return statistics.fmean(self.times)

    @property
    def iqr(self):
        s = self._sorted
        return _quantile(s, 0.75) - _quantile(s, 0.25)

    @property
    def significant_figures(self):
        """How many digits of the median the spread of the middle half of the times supports (1 to 4)."""
        s = self._sorted
        middle = s[len(s) // 4: max(len(s) // 4 + 1, math.ceil(3 * len(s) / 4))]
        spread = statistics.pstdev(middle) if len(middle) > 1 else 0.0
        margin = max(1.645 * spread / math.sqrt(len(middle)), 1e-9 * self.median, 1e-15)
        return min(max(int(math.floor(math.log10(self.median / margin))), 1), 4)

    @property
    def _warnings(self):
        out = []
        if len(self.raw_times) < 4:
            out.append(f"Only {len(self.raw_times)} measurement{'s' if len(self.raw_times) != 1 else ''}: "
                       "the spread is not known well.")
        if self.median > 0 and self.iqr / self.median > 0.1:
            out.append(f"The interquartile range is {100 * self.iqr / self.median:.1f}% of the median: the timings "
                       "vary a lot (another process, or too little work per run?).")
        return out

    @property
    def has_warnings(self):
        return bool(self._warnings)

    def __repr__(self):
        unit, scale = _unit(self.median)
        n = len(self.raw_times)
        lines = [f"<tapegrad.utils.benchmark.Measurement object at {hex(id(self))}>", self.title]
        if self.description:
            lines.append(f"  {self.description}")
        if n > 1:
            q1, q3 = _quantile(self._sorted, 0.25) / scale, _quantile(self._sorted, 0.75) / scale
            lines.append(f"  Median: {self.median / scale:.2f} {unit}")
            lines.append(f"  IQR:    {self.iqr / scale:.2f} {unit} ({q1:.2f} to {q3:.2f})")
        else:
            lines.append(f"  {self.median / scale:.2f} {unit}")
        threads = self.num_threads
        lines.append(f"  {n} measurement{'s' if n != 1 else ''}, {self.number_per_run} runs per measurement, "
                     f"{threads} thread{'s' if threads != 1 else ''}")
        lines += ["  WARNING: " + w for w in self._warnings]
        return "\n".join(lines)

    @staticmethod
    def merge(measurements):
        """One Measurement per distinct statement and labels, pooling the raw times of repeats."""
        groups = {}
        for m in measurements:
            t = m.task_spec
            key = (t.stmt, t.setup, t.label, t.sub_label, t.description, t.env, t.num_threads)
            groups.setdefault(key, []).append(m)
        merged = []
        for ms in groups.values():
            per_run = [t for m in ms for t in m.times]
            merged.append(Measurement(1, per_run, ms[0].task_spec, ms[0].metadata))
        return merged


class Timer:
    """Times `stmt` (Python source, or a callable) after running `setup` once, in `globals`."""

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=None, globals=None, label=None,
                 sub_label=None, description=None, env=None, num_threads=1, language=Language.PYTHON):
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError("Timer: tapegrad times Python statements only (language=Language.PYTHON)")
        if global_setup:
            raise ValueError("Timer: global_setup is for C++ statements, which tapegrad does not time")
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(f"Timer: num_threads must be a positive int, got {num_threads!r}")
        text = stmt if isinstance(stmt, str) else getattr(stmt, "__name__", repr(stmt)) + "()"
        self._task = _Task(text, setup if isinstance(setup, str) else "", label, sub_label, description, env,
                           num_threads)
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer or _synchronized_timer(),
                                   globals=dict(globals or {}))

    def _time(self, number):
        previous = _C.get_num_threads()
        _C.set_num_threads(self._task.num_threads)
        try:
            return self._timer.timeit(number)
        finally:
            _C.set_num_threads(previous)

    def timeit(self, number=1000000):
        """One measurement of `number` runs (after a warm-up of up to two)."""
        self._time(min(number, 2))
        return Measurement(number, [self._time(number)], self._task)

    def _runs_for(self, seconds):
        """How many runs take at least `seconds` (powers of ten and their halves, as timeit)."""
        number = 1
        while True:
            for n in (number, 2 * number, 5 * number):
                if self._time(n) >= seconds:
                    return n
            number *= 10

    def autorange(self, callback=None):
        """Measurements of a run count that takes >= 0.2 s, until 0.2 s have passed; at least three."""
        number = self._runs_for(0.2)
        times = []
        while len(times) < 3:
            t = self._time(number)
            if callback:
                callback(number, t)
            times.append(t)
        return Measurement(number, times, self._task)

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Measurements of blocks of runs (each block well above the clock's resolution) until
        `min_run_time` seconds have been spent in them."""
        number = self._runs_for(min(0.01, min_run_time / 10))
        times, total = [], 0.0
        while total < min_run_time or len(times) < 2:
            t = self._time(number)
            if callback:
                callback(number, t)
            times.append(t)
            total += t
        return Measurement(number, times, self._task)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0, callback=None):
        """Blocks of runs until the interquartile range is below `threshold` times the median (with
        at least `min_run_time` spent), or `max_run_time` has passed."""
        number = self._runs_for(min(0.01, max(min_run_time, 1e-3)))
        times, total = [], 0.0
        while total < max_run_time:
            t = self._time(number)
            if callback:
                callback(number, t)
            times.append(t)
            total += t
            if total >= min_run_time and len(times) > 3:
                m = Measurement(number, times, self._task)
                if m.iqr / m.median < threshold:
                    return m
        return Measurement(number, times, self._task)


class Compare:
    """A table of Measurements: one per label, a row per sub_label (or statement) and thread count,
    a column per description, each cell the median in the unit that suits the table."""

    def __init__(self, results):
        for r in results:
            if not isinstance(r, Measurement):
                raise TypeError(f"Compare: expected Measurements, got {type(r).__name__}")
        self._results = Measurement.merge(results)
        self._trim = False
        self._colorize = False
        self._highlight = False

    def trim_significant_figures(self):
        self._trim = True

    def colorize(self, rowwise=False):
        """Marks each row's (rowwise) or column's fastest time; slower ones in a warmer shade."""
        self._colorize = "row" if rowwise else "column"

    def highlight_warnings(self):
        self._highlight = True

    def _cell(self, m, scale, best):
        value = m.median / scale
        digits = max(m.significant_figures - int(math.floor(math.log10(value))) - 1, 0) if self._trim and value > 0 else 1
        text = f"{value:.{digits}f}"
        if self._highlight and m.has_warnings:
            text += " (! {:.0f}%)".format(100 * m.iqr / m.median)
        if self._colorize and best is not None and m.median > 1.1 * best:
            shade = "\033[31m" if m.median > 2 * best else "\033[33m"
            text = f"{shade}{text}\033[0m"
        elif self._colorize and best is not None:
            text = f"\033[1m\033[32m{text}\033[0m"
        return text

    def _table(self, label, results):
        columns = list(dict.fromkeys(r.description or "" for r in results))
        rows = list(dict.fromkeys((r.num_threads, r.sub_label or r.stmt) for r in results))
        unit, scale = _unit(min(r.median for r in results))
        cells = {(r.num_threads, r.sub_label or r.stmt, r.description or ""): r for r in results}
        best = {}
        for (threads, row, col), r in cells.items():
            key = (threads, row) if self._colorize == "row" else col
            best[key] = min(best.get(key, math.inf), r.median)
        header = [""] + columns
        body = []
        for threads in dict.fromkeys(t for t, _ in rows):
            if len({t for t, _ in rows}) > 1:
                body.append([f"{threads} thread{'s' if threads != 1 else ''}:"] + [""] * len(columns))
            for t, row in rows:
                if t != threads:
                    continue
                line = [f"  {row}"]
                for col in columns:
                    r = cells.get((t, row, col))
                    key = (t, row) if self._colorize == "row" else col
                    line.append(self._cell(r, scale, best.get(key)) if r else "")
                body.append(line)
        plain = [[_strip_colors(c) for c in line] for line in [header] + body]
        widths = [max(len(line[i]) for line in plain) for i in range(len(header))]
        out = [f"[--- {label} ---]" if label else "[------]"]
        for line, shown in zip(plain, [header] + body):
            out.append("  |  ".join(s + " " * (w - len(p)) if i == 0 else " " * (w - len(p)) + s
                                    for i, (p, s, w) in enumerate(zip(line, shown, widths))))
        names = {"ns": "nanoseconds", "us": "microseconds", "ms": "milliseconds", "s": "seconds"}
        out.append(f"\nTimes are in {names[unit]} ({unit}).")
        return "\n".join(out)

    def __str__(self):
        by_label = {}
        for r in self._results:
            by_label.setdefault(r.label or "", []).append(r)
        return "\n\n".join(self._table(label, rs) for label, rs in by_label.items()) + "\n"

    def print(self):
        print(str(self))


def _strip_colors(text):
    import re

    return re.sub(r"\033\[[0-9;]*m", "", text)
