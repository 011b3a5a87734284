"""tg.random (fork_rng and the default generator's state) and tg.cuda's seeding functions."""
import pytest

import tapegrad as tg


def test_fork_rng_restores_the_stream():
    tg.manual_seed(3)
    expected = tg.randn(4).tolist()
    tg.manual_seed(3)
    with tg.random.fork_rng():
        tg.randn(100)
    assert tg.randn(4).tolist() == expected
    tg.manual_seed(3)
    with tg.random.fork_rng(enabled=False):
        tg.randn(4)
    assert tg.randn(4).tolist() != expected
    tg.manual_seed(3)
    with pytest.raises(ValueError):
        with tg.random.fork_rng(devices=[]):
            tg.randn(100)
            raise ValueError("inside")
    assert tg.randn(4).tolist() == expected  # restored on the way out of an error too


def test_random_module_names():
    tg.random.manual_seed(5)
    assert tg.random.initial_seed() == 5
    state = tg.random.get_rng_state()
    a = tg.rand(3).tolist()
    tg.random.set_rng_state(state)
    assert tg.rand(3).tolist() == a


@pytest.mark.skipif(tg.cuda.is_available(), reason="the CPU-only behaviour")
def test_cuda_seeding_without_a_gpu_leaves_the_cpu_stream_alone():
    tg.manual_seed(7)
    expected = tg.randn(2).tolist() + tg.randn(2).tolist()
    tg.manual_seed(7)
    first = tg.randn(2).tolist()
    tg.cuda.manual_seed(7)
    tg.cuda.manual_seed_all(7)
    tg.cuda.seed_all()
    assert first + tg.randn(2).tolist() == expected  # as in PyTorch, where these do nothing without CUDA
    assert tg.cuda.get_rng_state_all() == []
    with pytest.raises(RuntimeError, match="tg.cuda.get_rng_state: no CUDA device"):
        tg.cuda.get_rng_state()


@pytest.mark.skipif(not tg.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_seeding_with_a_gpu():
    tg.cuda.manual_seed_all(11)
    a = tg.randn(3, device="cuda").cpu().tolist()
    tg.cuda.manual_seed(11)
    assert tg.randn(3, device="cuda").cpu().tolist() == a
    state = tg.cuda.get_rng_state()
    b = tg.rand(3, device="cuda").cpu().tolist()
    tg.cuda.set_rng_state(state)
    assert tg.rand(3, device="cuda").cpu().tolist() == b
