"""tg.profiler: torch.profiler's op profile (events, key_averages, table, Chrome trace)."""
import json

import pytest

import tapegrad as tg
import tapegrad.nn.functional as F
from tapegrad.profiler import ProfilerActivity, profile, record_function


def test_profile_records_ops_nodes_and_ranges():
    model = tg.nn.Linear(16, 4)
    x, y = tg.randn(8, 16), tg.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    tg.exp(x)  # before the recording
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        assert tg.profiler.is_recording()
        with record_function("forward"):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
    assert not tg.profiler.is_recording()
    events = prof.events()
    names = [e.name for e in events]
    assert "forward" in names and "linear" in names and "exp" not in names
    assert any(n.endswith("Backward") for n in names)
    fwd = next(e for e in events if e.name == "forward")
    lin = next(e for e in events if e.name == "linear")
    assert fwd.depth == 0 and lin.depth == 1 and fwd.start_us <= lin.start_us and lin.end_us <= fwd.end_us
    inside = sum(e.cpu_time_total for e in events if e.thread == fwd.thread and e.depth == 1
                 and fwd.start_us <= e.start_us and e.end_us <= fwd.end_us)
    assert fwd.self_cpu_time_total == pytest.approx(fwd.cpu_time_total - inside, abs=1e-3)

    averages = prof.key_averages()
    by_name = {a.key: a for a in averages}
    assert by_name["forward"].count == 1
    assert by_name["forward"].self_cpu_time_total == pytest.approx(fwd.self_cpu_time_total, abs=1e-3)
    assert all(a.cpu_time_total >= a.self_cpu_time_total >= 0 for a in averages)
    assert [a.cpu_time_total for a in averages] == sorted((a.cpu_time_total for a in averages), reverse=True)
    table = averages.table(sort_by="self_cpu_time_total", row_limit=3)
    assert "Self CPU %" in table and "# of Calls" in table and len(table.strip().split("\n")) == 3 + 3 + 2
    assert prof.key_averages().table() == str(prof.key_averages())
    assert averages.total_average().count == sum(a.count for a in averages)


def test_record_function_as_decorator_and_chrome_trace(tmp_path):
    @record_function("block")
    def block(t):
        return (t * 2).sum()

    with profile() as prof:
        block(tg.ones(3))
        block(tg.ones(3))
    assert {a.key: a.count for a in prof.key_averages()}["block"] == 2
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())["traceEvents"]
    blocks = [e for e in trace if e["name"] == "block"]
    assert len(blocks) == 2 and all(e["ph"] == "X" and e["dur"] >= 0 for e in blocks)


def test_start_stop_and_on_trace_ready():
    seen = []
    prof = profile(on_trace_ready=seen.append).start()
    tg.ones(2) + 1
    prof.step()
    prof.stop()
    assert seen == [prof] and "add" in [e.name for e in prof.events()]


def test_errors():
    with pytest.raises(RuntimeError, match="no results yet"):
        profile().key_averages()
    with pytest.raises(RuntimeError, match="profiler: no recording is on"):
        profile().stop()
    with profile():
        with pytest.raises(RuntimeError, match="a recording is on already"):
            profile().start()
    with pytest.raises(NotImplementedError, match="schedule"):
        profile(schedule=lambda step: None)
    with pytest.raises(TypeError, match="ProfilerActivity"):
        profile(activities=["cpu"])
    with profile() as prof:
        tg.ones(1) * 2
    with pytest.raises(ValueError, match="cannot sort by 'cuda_time_total'"):
        prof.key_averages().table(sort_by="cuda_time_total")
    with pytest.raises(NotImplementedError, match="input shapes"):
        prof.key_averages(group_by_input_shape=True)


def test_the_older_autograd_profiler_spelling():
    with tg.autograd.profiler.profile() as prof:
        with tg.autograd.profiler.record_function("block"):
            tg.ones(4).sum()
    assert "block" in prof.table(sort_by="self_cpu_time_total")
    assert prof.total_average().count == sum(a.count for a in prof.key_averages())
    with tg.autograd.profiler.profile(enabled=False) as off:
        tg.ones(4).sum()
    assert not tg.profiler.is_recording() and len(off.events()) == 0
