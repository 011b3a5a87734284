"""tg.set_default_device, tg.get_default_device and ``with tg.device(...)``: torch's factories and
the layers with parameters use the default device when given none."""
import pytest

import tapegrad as tg
from tapegrad import nn

CALLS = {"arange": (3,), "as_tensor": ([1.0],), "asarray": ([1.0],), "bartlett_window": (4,),
         "blackman_window": (4,), "empty": (2,), "empty_strided": ((2,), (1,)), "eye": (2,), "full": ((2,), 1.0),
         "hamming_window": (4,), "hann_window": (4,), "kaiser_window": (4,), "linspace": (0, 1, 3),
         "logspace": (0, 1, 3), "ones": (2,), "rand": (2,), "randint": (0, 5, (2,)), "randn": (2,), "randperm": (3,),
         "scalar_tensor": (1.0,), "tensor": ([1.0],), "tril_indices": (3, 3), "triu_indices": (3, 3), "zeros": (2,)}


@pytest.fixture(autouse=True)
def restore_default():
    yield
    tg.set_default_device(None)


def test_the_cpu_unless_set():
    assert tg.get_default_device().type == "cpu"
    tg.set_default_device("cpu")
    assert tg.get_default_device() == tg.device("cpu") and tg.zeros(2).device.type == "cpu"
    tg.set_default_device(None)
    assert tg.get_default_device().type == "cpu"


def test_factories_and_layers_follow_the_default():
    tg.set_default_device("cuda")
    assert tg.get_default_device() == tg.device("cuda", 0)
    for name, args in CALLS.items():
        assert tg.zeros(1, device="cpu").device.type == "cpu"  # a given device wins
        if tg.cuda.is_available():
            assert getattr(tg, name)(*args).device.type == "cuda", name
        else:
            with pytest.raises((IndexError, RuntimeError), match="cuda:0"):
                getattr(tg, name)(*args)
    if tg.cuda.is_available():
        layer = nn.Linear(2, 3)
        assert layer.weight.device.type == "cuda" and layer(tg.randn(4, 2)).device.type == "cuda"
    else:
        with pytest.raises((IndexError, RuntimeError), match="cuda:0"):
            nn.Linear(2, 3)
    tg.set_default_device(None)
    assert tg.zeros(2).device.type == "cpu" and nn.Linear(2, 3).weight.device.type == "cpu"


def test_device_blocks_nest_and_restore():
    with tg.device("cpu") as d:
        assert d == tg.device("cpu") and tg.get_default_device() == tg.device("cpu")
        with tg.device("cuda"):
            assert tg.get_default_device().type == "cuda"
            assert tg.tensor([1.0], device="cpu").device.type == "cpu"
        assert tg.get_default_device().type == "cpu"
    tg.set_default_device(0)  # an index is a CUDA device, as in torch
    assert tg.get_default_device() == tg.device("cuda", 0)
    with pytest.raises((RuntimeError, ValueError), match="nowhere"):
        tg.set_default_device("nowhere")
