"""tg.utils.benchmark: Timer's measurements, Measurement's statistics and Compare's table."""
import pytest

import tapegrad as tg
from tapegrad.utils import benchmark


def test_timer_measures_a_statement_in_its_globals():
    x = tg.ones(64)
    t = benchmark.Timer("x + x", globals={"x": x}, label="add", sub_label="64", description="float32")
    m = t.timeit(200)
    assert m.number_per_run == 200 and len(m.raw_times) == 1 and 0 < m.median < 0.01
    assert m.times == [m.raw_times[0] / 200] and m.stmt == "x + x" and m.title == "add: 64"
    b = t.blocked_autorange(min_run_time=0.05)
    assert sum(b.raw_times) >= 0.05 and len(b.raw_times) >= 2 and b.number_per_run >= 1
    assert min(b.times) <= b.median <= max(b.times) and b.iqr >= 0 and 1 <= b.significant_figures <= 4
    text = repr(b)
    assert "add: 64" in text and "Median:" in text and "IQR:" in text and "1 thread" in text
    a = t.adaptive_autorange(min_run_time=0.01, max_run_time=0.2)
    assert len(a.raw_times) >= 1 and a.median > 0


def test_timer_takes_setup_callables_and_threads():
    calls = []
    t = benchmark.Timer(lambda: calls.append(tg.get_num_threads()), num_threads=1)
    t.timeit(5)
    assert calls and set(calls) == {1}
    m = benchmark.Timer("y = sum(v)", setup="v = list(range(100))").autorange()
    assert len(m.raw_times) >= 3 and m.number_per_run * m.median * len(m.raw_times) > 0.1
    with pytest.raises(ValueError, match="num_threads must be a positive int"):
        benchmark.Timer("pass", num_threads=0)
    with pytest.raises(ValueError, match="Python statements only"):
        benchmark.Timer("x", language=benchmark.Language.CPP)


def test_measurement_statistics():
    m = benchmark.Measurement(10, [1.0, 2.0, 3.0, 4.0, 100.0], benchmark.Timer("pass")._task)
    assert m.times == [0.1, 0.2, 0.3, 0.4, 10.0]
    assert m.median == pytest.approx(0.3) and m.mean == pytest.approx(2.2)
    assert m.iqr == pytest.approx(0.2) and m.has_warnings
    one = benchmark.Measurement(1, [1e-6], benchmark.Timer("pass")._task)
    assert "1.00 us" in repr(one) and "Only 1 measurement" in repr(one)
    with pytest.raises(ValueError, match="no times"):
        benchmark.Measurement(1, [], benchmark.Timer("pass")._task)


def test_compare_prints_a_table_per_label():
    ms = []
    for n in (16, 256):
        x = tg.ones(n, n)
        for op in ("x + x", "x @ x"):
            ms.append(benchmark.Timer(op, globals={"x": x}, label="ops", sub_label=f"{n}x{n}",
                                      description=op).timeit(20))
    c = benchmark.Compare(ms)
    c.trim_significant_figures()
    c.highlight_warnings()
    text = str(c)
    lines = text.splitlines()
    assert lines[0] == "[--- ops ---]" and "x + x" in lines[1] and "x @ x" in lines[1]
    assert lines[2].lstrip().startswith("16x16") and lines[3].lstrip().startswith("256x256")
    assert "Times are in" in text
    c.colorize(rowwise=True)
    assert "\033[" in str(c)
    with pytest.raises(TypeError, match="expected Measurements"):
        benchmark.Compare([1.0])
