"""tg.cuda's device queries and memory statistics, tg.accelerator, tg.version and tg.compiler:
what every build answers without a GPU, and (skipped here) what a GPU answers."""
import collections

import pytest

import tapegrad as tg

no_gpu = pytest.mark.skipif(tg.cuda.is_available(), reason="a GPU is present")
gpu = pytest.mark.skipif(not tg.cuda.is_available(), reason="no GPU")


def test_version_and_build():
    assert tg.version.__version__ == tg.__version__
    assert tg.backends.cuda.is_built() == (tg.version.cuda is not None)
    if tg.version.cuda is not None:
        major, minor = tg.version.cuda.split(".")
        assert int(major) >= 11 and minor.isdigit()
    assert tg.version.hip is None


@no_gpu
def test_device_queries_without_a_gpu_raise():
    for call in (tg.cuda.get_device_properties, tg.cuda.get_device_name, tg.cuda.get_device_capability,
                 tg.cuda.mem_get_info, tg.cuda.init, tg.accelerator.get_memory_info,
                 tg.accelerator.current_device_index, lambda: tg.cuda.set_per_process_memory_fraction(0.5),
                 tg.cuda.get_per_process_memory_fraction):
        with pytest.raises(RuntimeError, match="no CUDA"):
            call()
    assert not tg.cuda.is_bf16_supported() and not tg.cuda.is_tf32_supported()
    assert tg.cuda.get_arch_list() == [] and tg.cuda.get_gencode_flags() == ""
    with tg.cuda.device(None), tg.cuda.device(-1), tg.cuda.device_of(tg.ones(2)):
        pass  # nothing to switch


@no_gpu
def test_memory_figures_without_a_gpu_are_zero():
    stats = tg.cuda.memory_stats()
    assert isinstance(stats, collections.OrderedDict) and list(stats) == sorted(stats)
    for figure in ("active", "active_bytes", "allocated_bytes", "allocation", "requested_bytes", "reserved_bytes",
                   "segment"):
        for pool in ("all", "small_pool", "large_pool"):
            for kind in ("current", "peak", "allocated", "freed"):
                assert stats[f"{figure}.{pool}.{kind}"] == 0
    for key in ("num_alloc_retries", "num_ooms", "num_device_alloc", "num_device_free"):
        assert stats[key] == 0
    nested = tg.cuda.memory_stats_as_nested_dict()
    assert nested["allocated_bytes"]["all"]["peak"] == 0 and nested["num_ooms"] == 0
    for f in (tg.cuda.memory_allocated, tg.cuda.memory_reserved, tg.cuda.max_memory_allocated,
              tg.cuda.max_memory_reserved, tg.cuda.memory_cached, tg.cuda.max_memory_cached,
              tg.accelerator.memory_allocated, tg.accelerator.max_memory_reserved):
        assert f() == 0 and f(0) == 0 and f("cuda:0") == 0 and f(tg.device("cuda", 0)) == 0
    for f in (tg.cuda.reset_peak_memory_stats, tg.cuda.reset_accumulated_memory_stats,
              tg.cuda.reset_max_memory_allocated, tg.cuda.reset_max_memory_cached, tg.accelerator.empty_cache):
        f()
    with pytest.raises(ValueError, match="expected a CUDA device, got cpu"):
        tg.cuda.memory_allocated("cpu")
    summary = tg.cuda.memory_summary()
    assert "tapegrad CUDA memory summary, device ID 0" in summary and "Allocated memory" in summary
    assert "from small pool" in summary and "from small pool" not in tg.cuda.memory_summary(abbreviated=True)
    lines = summary.splitlines()
    assert len({len(line) for line in lines}) == 1, summary  # a rectangle


def test_nvtx_markers_need_no_gpu():
    if not tg.backends.cuda.is_built():
        with pytest.raises(RuntimeError, match="no CUDA support"):
            tg.cuda.nvtx.range_push("step")
        return
    import tapegrad.cuda.nvtx as nvtx

    assert nvtx is tg.cuda.nvtx
    depth = nvtx.range_push("step {}")
    nvtx.mark("here")
    assert nvtx.range_pop() == depth
    with nvtx.range("epoch {} batch {b}", 1, b=2):
        pass


def test_accelerator():
    if tg.backends.cuda.is_built():
        assert tg.accelerator.current_accelerator() == tg.device("cuda")
    else:
        assert tg.accelerator.current_accelerator() is None
    assert tg.accelerator.is_available() == tg.cuda.is_available()
    assert tg.accelerator.device_count() == tg.cuda.device_count()
    if not tg.accelerator.is_available():
        assert tg.accelerator.current_accelerator(check_available=True) is None
    # The tutorials' way of picking a device.
    device = tg.accelerator.current_accelerator().type if tg.accelerator.is_available() else "cpu"
    assert tg.ones(2, device=device).device.type == device
    with tg.accelerator.device_index(None):
        pass


def test_cpu_module_and_get_device_module():
    # Device-agnostic code: getattr(tg, device.type).synchronize(), tg.get_device_module(device).
    assert tg.get_device_module("cpu") is tg.cpu and tg.get_device_module(tg.device("cpu")) is tg.cpu
    assert tg.get_device_module("cuda:0") is tg.cuda
    assert tg.get_device_module() is (tg.cuda if tg.backends.cuda.is_built() else tg.cpu)
    with pytest.raises(RuntimeError, match="Invalid value of device '3'"):
        tg.get_device_module(3)
    with pytest.raises(ValueError, match='expected "cpu", "cuda" or "cuda:N", got "meta"'):
        tg.get_device_module("meta")
    cpu = tg.cpu
    assert cpu.is_available() and cpu.is_initialized() and cpu.device_count() == 1 and cpu.current_device() == "cpu"
    assert cpu.synchronize() is None and cpu.set_device("cpu") is None
    s = cpu.Stream()
    assert cpu.current_stream() is not s
    with cpu.stream(s):
        assert cpu.current_stream() is s
    assert cpu.current_stream() is not s
    e = cpu.Event()
    e.record()
    assert e.query() and e.synchronize() is None
    caps = cpu.get_capabilities()
    assert caps["architecture"] and caps["num_logical_cores"] >= 1
    if caps["architecture"] == "x86_64":
        assert caps["sse2"] is True and isinstance(caps["avx2"], bool)
    with pytest.raises(TypeError):
        caps["avx2"] = False  # read-only, as torch's
    with cpu.amp.autocast():
        assert tg.get_autocast_dtype("cpu") == tg.bfloat16 and tg.is_autocast_enabled("cpu")
        assert (tg.ones(2, 2) @ tg.ones(2, 2)).dtype == tg.bfloat16
    assert not tg.is_autocast_enabled("cpu")
    assert isinstance(cpu.amp.GradScaler(), tg.GradScaler) and tg.GradScaler is tg.amp.GradScaler
    import tapegrad.cpu.amp  # noqa: F401  (importable by name, as torch.cpu.amp)
    assert not tg.distributed.is_available() and not tg.distributed.is_initialized()
    assert tg.is_storage(tg.ones(2).untyped_storage()) and not tg.is_storage(tg.ones(2))


def test_compiler_runs_everything_eagerly():
    assert not tg.compiler.is_compiling() and not tg.compiler.is_dynamo_compiling()
    assert not tg.compiler.is_exporting()

    @tg.compiler.disable
    def f(x):
        return x + 1

    @tg.compiler.disable(recursive=False)
    def g(x):
        return x * 2

    assert f(1) == 2 and g(2) == 4
    assert tg.compiler.allow_in_graph(f) is f and tg.compiler.assume_constant_result(g) is g
    model = tg.nn.Linear(2, 2)
    assert tg.compiler.compile(model) is model
    assert tg.compiler.list_backends() == []
    tg.compiler.reset()
    tg.compiler.cudagraph_mark_step_begin()

    @tg.compiler.set_stance("force_eager")
    def h():
        return 3

    with tg.compiler.set_stance("eager_on_recompile"):
        assert h() == 3
    with pytest.raises(ValueError, match="unknown stance 'fast'"):
        tg.compiler.set_stance("fast")


@gpu
def test_device_properties_and_memory_on_a_gpu():
    p = tg.cuda.get_device_properties(0)
    assert p.name == tg.cuda.get_device_name() and (p.major, p.minor) == tg.cuda.get_device_capability()
    assert p.total_memory == tg.cuda.mem_get_info()[1] and "_CudaDeviceProperties(name=" in repr(p)
    assert tg.cuda.get_arch_list() and tg.cuda.get_gencode_flags().startswith("-gencode")
    assert tg.cuda.is_bf16_supported() == (p.major >= 8)
    tg.cuda.init()
    tg.cuda.reset_peak_memory_stats()
    before = tg.cuda.memory_stats()
    x = tg.empty(1 << 20, device="cuda")
    stats = tg.cuda.memory_stats()
    assert stats["allocated_bytes.all.current"] >= before["allocated_bytes.all.current"] + (4 << 20)
    assert stats["requested_bytes.large_pool.current"] >= 4 << 20
    assert tg.cuda.max_memory_allocated() >= 4 << 20 and tg.cuda.max_memory_reserved() >= 4 << 20
    del x
    with tg.cuda.device(0):
        assert tg.cuda.current_device() == 0
    with tg.cuda.device_of(tg.ones(1, device="cuda")):
        assert tg.cuda.current_device() == 0
    s = tg.cuda.Stream()
    tg.cuda.set_stream(s)
    assert tg.cuda.current_stream() == s
    tg.accelerator.set_stream(tg.cuda.default_stream())
    assert tg.accelerator.current_stream() == tg.cuda.default_stream()
    tg.cuda.set_per_process_memory_fraction(0.05)
    assert tg.cuda.get_per_process_memory_fraction() == 0.05
    with pytest.raises(tg.OutOfMemoryError, match="memory fraction"):
        tg.empty(p.total_memory // 8, dtype=tg.uint8, device="cuda")
    tg.cuda.set_per_process_memory_fraction(1.0)
    assert tg.cuda.memory_stats()["num_ooms"] >= 1
    cap = tg.accelerator.get_device_capability()
    assert (cap["major"], cap["minor"]) == (p.major, p.minor) and tg.float32 in cap["supported_dtypes"]
    with nvtx_range():
        tg.accelerator.synchronize()


def nvtx_range():
    return tg.cuda.nvtx.range("sync")
