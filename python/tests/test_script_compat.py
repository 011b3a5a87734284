"""What PyTorch training scripts call besides ops and layers: activation checkpointing, the
backend switches, tg.testing.assert_close, torch.compile's and the constants' names."""
import math

import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.utils.checkpoint import checkpoint, checkpoint_sequential


def test_checkpoint_recomputes_with_the_same_gradients_and_dropout_masks():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 1))
    x = tg.randn(5, 4)

    def grads(run, inp):
        net.zero_grad()
        tg.manual_seed(1)
        out = run(inp).sum()
        out.backward()
        return out.item(), [p.grad.tolist() for p in net.parameters()]

    plain = grads(net, x)
    # No input requires grad, yet the parameters inside get theirs.
    assert grads(lambda i: checkpoint(net, i, use_reentrant=False), x) == plain
    xr = x.clone().requires_grad_()
    assert grads(lambda i: checkpoint_sequential(net, 2, i), xr) == plain
    assert xr.grad.shape == (5, 4)
    # Keywords reach the function; under no_grad it simply runs.
    assert checkpoint(lambda a, scale: a * scale, tg.ones(2), scale=3.0).tolist() == [3.0, 3.0]
    with tg.no_grad():
        assert not checkpoint(net, x).requires_grad


def test_backend_switches_and_matmul_precision():
    before = tg.backends.cuda.matmul.allow_tf32
    try:
        assert tg.get_float32_matmul_precision() == ("high" if before else "highest")
        tg.set_float32_matmul_precision("high")
        assert tg.backends.cuda.matmul.allow_tf32 and tg.get_float32_matmul_precision() == "high"
        tg.backends.cuda.matmul.allow_tf32 = False
        assert tg.get_float32_matmul_precision() == "highest"
        with pytest.raises(ValueError, match="expected 'highest', 'high' or 'medium', got 'low'"):
            tg.set_float32_matmul_precision("low")
    finally:
        tg.backends.cuda.matmul.allow_tf32 = before
    cudnn_before = tg.backends.cudnn.allow_tf32
    tg.backends.cudnn.allow_tf32 = not cudnn_before
    assert tg.backends.cudnn.allow_tf32 == (not cudnn_before)
    tg.backends.cudnn.allow_tf32 = cudnn_before
    tg.backends.cudnn.benchmark = True  # accepted, as scripts set it
    assert tg.backends.cudnn.is_available() == tg.cuda.is_available()


def test_deterministic_algorithms_switch_as_torch():
    # What seeding helpers call (transformers' enable_full_determinism, Lightning's deterministic=True).
    assert not tg.are_deterministic_algorithms_enabled()
    try:
        tg.use_deterministic_algorithms(True)
        assert tg.are_deterministic_algorithms_enabled() and not tg.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(RuntimeError, match="scatter \\(add\\): the CUDA kernel adds with atomics"):
            tg._C._alert_not_deterministic("scatter (add)")
        x = tg.randn(4, 6)  # the CPU's kernels are deterministic and run
        assert tg.equal(tg.zeros(3).index_add(0, tg.tensor([0, 2, 0, 1]), x[:, 0]),
                        tg.zeros(3).index_add(0, tg.tensor([0, 2, 0, 1]), x[:, 0]))
        tg.use_deterministic_algorithms(True, warn_only=True)
        assert tg.is_deterministic_algorithms_warn_only_enabled()
        with pytest.warns(UserWarning, match="max_pool2d_backward: the CUDA kernel adds with atomics"):
            tg._C._alert_not_deterministic("max_pool2d_backward")
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(UserWarning):
                tg._C._alert_not_deterministic("max_pool2d_backward")
    finally:
        tg.use_deterministic_algorithms(False)
    assert not tg.are_deterministic_algorithms_enabled()
    tg._C._alert_not_deterministic("scatter (add)")  # off: nothing
    tg.backends.cudnn.deterministic = True
    assert tg.backends.cudnn.deterministic and tg._C.cuda.cudnn_deterministic()
    tg.backends.cudnn.deterministic = False
    assert not tg.backends.cudnn.deterministic


def test_deterministic_debug_mode_is_the_same_switch_as_one_number():
    try:
        for mode, number, on, warn_only in (("warn", 1, True, True), ("error", 2, True, False), ("default", 0, False, False),
                                           (2, 2, True, False), (1, 1, True, True), (0, 0, False, False)):
            tg.set_deterministic_debug_mode(mode)
            assert tg.get_deterministic_debug_mode() == number
            assert tg.are_deterministic_algorithms_enabled() == on
            assert tg.is_deterministic_algorithms_warn_only_enabled() == warn_only
        tg.use_deterministic_algorithms(True, warn_only=True)
        assert tg.get_deterministic_debug_mode() == 1
        with pytest.raises(RuntimeError, match="expected one of `default`, `warn`, `error`, but got loud"):
            tg.set_deterministic_debug_mode("loud")
        with pytest.raises(RuntimeError, match="expected 0, 1, or 2, but got 3"):
            tg.set_deterministic_debug_mode(3)
        with pytest.raises(TypeError, match="debug_mode must be str or int"):
            tg.set_deterministic_debug_mode(1.0)
    finally:
        tg.use_deterministic_algorithms(False)
    assert tg.get_device(tg.zeros(2)) == -1


def test_assert_close_tolerances_and_messages():
    tg.testing.assert_close(tg.ones(2), tg.ones(2) + 1e-7)
    tg.testing.assert_close({"a": [tg.ones(1), 2.0]}, {"a": [tg.ones(1), 2.0]})
    tg.testing.assert_close(tg.tensor([1.0, 1.1]), tg.tensor([1.0, 1.0]), rtol=0.2, atol=0.0)
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 3 \(33.3%\)\nGreatest absolute difference: "
                                             r"0.5 at index \(1,\)"):
        tg.testing.assert_close(tg.tensor([1.0, 2.0, 3.0]), tg.tensor([1.0, 2.5, 3.0]))
    with pytest.raises(AssertionError, match="'dtype' do not match: tapegrad.float32 != tapegrad.float64"):
        tg.testing.assert_close(tg.ones(2), tg.ones(2, dtype=tg.float64))
    with pytest.raises(AssertionError, match="'shape' do not match"):
        tg.testing.assert_close(tg.ones(2), tg.ones(3))
    tg.testing.assert_close(tg.tensor([math.nan]), tg.tensor([math.nan]), equal_nan=True)
    with pytest.raises(AssertionError):
        tg.testing.assert_close(tg.tensor([math.nan]), tg.tensor([math.nan]))
    with pytest.raises(ValueError, match="rtol and atol must both be given"):
        tg.testing.assert_close(tg.ones(1), tg.ones(1), rtol=1.0)
    # strides compared only when asked (torch's check_stride=False default); layouts are all strided
    t = tg.ones(2, 3).t()
    tg.testing.assert_close(t, t.contiguous(), check_layout=True)
    tg.testing.assert_close(t, t.contiguous(), check_stride=False)
    with pytest.raises(AssertionError, match=r"'stride\(\)' do not match: \(1, 3\) != \(2, 1\)"):
        tg.testing.assert_close(t, t.contiguous(), check_stride=True)
    # complex tensors compare as complex numbers, with float's tolerances
    z = tg.tensor([1 + 2j, 3 - 1j])
    tg.testing.assert_close(z, z + 1e-7)
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2"):
        tg.testing.assert_close(z, z + tg.tensor([0.0, 1e-3j]))
    # numbers of different types differ in dtype, as torch's
    tg.testing.assert_close(1.0, 1.0, allow_subclasses=False)
    tg.testing.assert_close(1.0, 1, check_dtype=False)
    with pytest.raises(AssertionError, match="The \\(d\\)types do not match: <class 'float'> != <class 'int'>"):
        tg.testing.assert_close(1.0, 1)
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type <class 'float'> and "
                                        "<class 'int'>"):
        tg.testing.assert_close(1.0, 1, allow_subclasses=False)


def test_compile_and_constants():
    model = nn.Linear(2, 2)
    assert tg.compile(model) is model and tg.compile(mode="max-autotune")(model) is model
    assert tg.inf == math.inf and math.isnan(tg.nan) and tg.pi == math.pi and tg.e == math.e
    assert tg.ones(3)[tg.newaxis].shape == (1, 3)


def test_data_parallel_wraps_a_model_as_torch():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    wrapped = nn.DataParallel(model)
    assert wrapped.module is model and wrapped.dim == 0
    assert list(wrapped.state_dict()) == ["module." + k for k in model.state_dict()]  # checkpoints as torch's
    x = tg.randn(5, 4)
    if not tg.cuda.is_available():  # on the CPU: the module as it is
        assert wrapped.device_ids == []
        assert tg.equal(wrapped(x), model(x))
    else:  # one GPU: the module and the inputs go to device_ids[0]
        assert wrapped.device_ids == [0] and next(model.parameters()).device == tg.device("cuda", 0)
        out = wrapped(x)
        assert out.device == tg.device("cuda", 0)
        assert tg.allclose(out.cpu(), model.cpu()(x), atol=1e-5)
        with pytest.raises(RuntimeError, match="parameters and buffers on device cuda:0"):
            wrapped(x)
        with pytest.raises(NotImplementedError, match="is not implemented; pass device_ids"):
            nn.DataParallel(model, device_ids=[0, 1])
        model.cuda()
    wrapped.load_state_dict(nn.DataParallel(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))).state_dict())
    loss = wrapped(x.to(next(model.parameters()).device)).sum()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert nn.parallel.DataParallel is nn.DataParallel


def test_set_flush_denormal_as_torch():
    tiny = tg.full((3,), 1e-40)  # float32 denormals
    try:
        assert tg.set_flush_denormal(True)
        assert (tiny * 1.0).tolist() == [0.0, 0.0, 0.0]
        assert (tg.full((1 << 20,), 1e-40) * 1.0).count_nonzero().item() == 0  # the kernels' threads too
    finally:
        tg.set_flush_denormal(False)
    assert (tiny * 1.0).tolist() == tiny.tolist() != [0.0, 0.0, 0.0]


def test_backends_utils_and_data_submodules_import_as_torchs():
    import tapegrad.backends.cudnn as cudnn
    import tapegrad.backends.cuda
    from tapegrad.backends import mkldnn, mps, openmp
    from tapegrad.utils.data.dataloader import DataLoader, default_collate
    from tapegrad.utils.data.dataset import Dataset, TensorDataset
    from tapegrad.utils.data.distributed import DistributedSampler
    from tapegrad.utils.data.sampler import SubsetRandomSampler
    from tapegrad.utils.dlpack import from_dlpack, to_dlpack

    assert cudnn is tg.backends.cudnn and tapegrad.backends.cuda is tg.backends.cuda
    before = cudnn.deterministic
    cudnn.deterministic = True  # reaches C++, as the attribute of tg.backends.cudnn
    assert tg._C.cuda.cudnn_deterministic() and tg.backends.cudnn.deterministic
    cudnn.deterministic = before
    cudnn.benchmark = True
    assert tg.backends.cuda.is_built() == ("CUDA: built with" in tg.__config__.show())
    assert mkldnn.is_available() and openmp.is_available() and not mps.is_available() and not mps.is_built()
    assert DataLoader is tg.utils.data.DataLoader and Dataset is tg.utils.data.Dataset
    assert SubsetRandomSampler is tg.utils.data.SubsetRandomSampler and default_collate([1, 2]).tolist() == [1, 2]
    assert list(DistributedSampler(TensorDataset(tg.arange(5)), num_replicas=2, rank=1, shuffle=False)) == [1, 3, 0]
    x = tg.arange(3.0)
    assert tg.equal(from_dlpack(to_dlpack(x)), x)


def test_jit_names_run_eagerly():
    model = nn.Linear(2, 2)
    assert tg.jit.script(model) is model and tg.jit.trace(model, tg.ones(1, 2)) is model

    @tg.jit.script
    def f(x):
        return x * 2 if not tg.jit.is_scripting() else x

    @tg.jit.ignore
    def g(x):
        return x + 1

    @tg.jit.ignore(drop=True)
    def h(x):
        return x - 1

    assert f(tg.ones(1)).item() == 2 and g(1) == 2 and h(1) == 0 and not tg.jit.is_tracing()
    assert tg.jit.unused(g) is g and tg.jit.export(g) is g and tg.jit.annotate(list, [1]) == [1]
    assert tg.jit.wait(tg.jit.fork(g, 2)) == 3

    class Scripted(tg.jit.ScriptModule):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 1)

        @tg.jit.script_method
        def forward(self, x):
            return self.lin(x)

    m = Scripted()
    assert m(tg.ones(3, 2)).shape == (3, 1) and isinstance(m, nn.Module) and not isinstance(model, tg.jit.ScriptModule)
    with pytest.raises(RuntimeError, match="tg.jit.save: TorchScript archives are not supported"):
        tg.jit.save(m, "m.pt")
    with pytest.raises(RuntimeError, match="tg.jit.load"):
        tg.jit.load("m.pt")


def test_generator_takes_a_device_and_seeds_itself():
    g = tg.Generator(device="cpu")
    assert g.device == tg.device("cpu") and g.manual_seed(3) is g and g.initial_seed() == 3
    a = tg.randn(4, generator=g)
    assert tg.equal(tg.randn(4, generator=tg.Generator().manual_seed(3)), a)
    assert tg.Generator(7).initial_seed() == 7 and tg.Generator(7).device == tg.device("cpu")  # the older form
    assert tg.Generator(device=tg.device("cuda")).device == tg.device("cuda")
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2**63
    with pytest.raises(ValueError, match='expected "cpu", "cuda" or "cuda:N", got "tpu"'):
        tg.Generator(device="tpu")


def test_module_listings_with_and_without_duplicates():
    shared = nn.Linear(2, 2)
    other = nn.Linear(2, 2)
    other.weight = shared.weight  # tied
    net = nn.Sequential(shared, other, shared)
    net.register_buffer("scale", tg.ones(1))
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [n for n, _ in net.named_modules(prefix="net")] == ["net", "net.0", "net.1"]
    memo = set()
    assert [n for n, _ in net.named_modules(memo, "p")] == ["p", "p.0", "p.1"] and len(memo) == 3
    assert list(net.named_modules(memo)) == []
    with pytest.raises(TypeError, match="memo must be a set or None"):
        net.named_modules([])
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    every = [n for n, _ in net.named_parameters(remove_duplicate=False)]
    assert every == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    pairs = dict(net.named_parameters(prefix="m", remove_duplicate=False))
    assert pairs["m.1.weight"] is pairs["m.0.weight"] is shared.weight
    assert [n for n, _ in net.named_parameters(recurse=False, remove_duplicate=False)] == []
    assert [n for n, _ in net.named_buffers(remove_duplicate=False)] == ["scale"]
    assert net.compile() is None and net[0] is shared  # eager: the module stays as it is


def test_clip_grad_takes_foreach_and_invert_permutation():
    layer = nn.Linear(3, 3)
    layer(tg.ones(2, 3)).sum().backward()
    total = tg.nn.utils.clip_grad_norm_(layer.parameters(), 0.5, foreach=True)
    assert total.item() > 0.5
    assert abs(tg.nn.utils.get_total_norm([p.grad for p in layer.parameters()], foreach=False).item() - 0.5) < 1e-5
    tg.nn.utils.clip_grad_value_(layer.parameters(), 0.1, foreach=None)
    assert max(p.grad.abs().max().item() for p in layer.parameters()) <= 0.1 + 1e-7  # 0.1 in float32
    perm = tg.tensor([2, 0, 3, 1])
    inv = tg.nn.utils.rnn.invert_permutation(perm)
    assert inv.tolist() == [1, 3, 0, 2] and perm[inv].tolist() == [0, 1, 2, 3]
    assert tg.nn.utils.rnn.invert_permutation(None) is None
