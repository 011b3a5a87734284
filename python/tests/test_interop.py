"""Zero-copy exchange with NumPy (buffer protocol, __array__) and through DLPack; PyTorch when
it is installed (the GPU machine has it)."""
import numpy as np
import pytest

import tapegrad as tg


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3), dtype=np.float32)
    t = tg.from_numpy(a)
    a[0, 1] = 5
    assert t[0, 1].item() == 5
    t[1, 2] = 7
    assert a[1, 2] == 7
    assert t.data_ptr() == a.ctypes.data


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_])
def test_dtypes_round_trip(dtype):
    a = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    t = tg.from_numpy(a)
    back = t.numpy()
    assert back.dtype == a.dtype
    np.testing.assert_array_equal(back, a)
    assert np.shares_memory(back, a)


def test_numpy_view_of_tensor_shares_memory_and_strides():
    t = tg.arange(12, dtype=tg.float32).reshape(3, 4)
    n = t.T.numpy()
    assert n.shape == (4, 3) and n.strides == (4, 16)
    n[0, 0] = 42
    assert t[0, 0].item() == 42
    del t
    assert n[0, 0] == 42  # the array keeps the tensor's memory alive


def test_numpy_rules():
    with pytest.raises(RuntimeError, match="detach"):
        tg.ones(2, requires_grad=True).numpy()
    assert tg.ones(2, requires_grad=True).numpy(force=True).tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="bfloat16"):
        tg.ones(2, dtype=tg.bfloat16).numpy()
    with pytest.raises(ValueError, match="negative"):
        tg.from_numpy(np.arange(4)[::-1])
    with pytest.raises(TypeError, match="format"):
        tg.from_numpy(np.zeros(2, dtype=np.uint16))
    z = tg.from_numpy(np.array([1 + 2j], dtype=np.complex64))
    assert z.dtype is tg.complex64 and z.numpy().tolist() == [1 + 2j]


def test_array_protocol():
    t = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a = np.asarray(t)
    assert a.shape == (2, 2) and a.dtype == np.float32
    assert np.array(t, dtype=np.float64).dtype == np.float64
    assert np.add(t.detach(), 1).sum() == 14


def test_dlpack_with_numpy():
    t = tg.arange(6, dtype=tg.float32).reshape(2, 3)
    a = np.from_dlpack(t)
    assert a.shape == (2, 3) and np.shares_memory(a, t.numpy())
    a_back = np.arange(4, dtype=np.int32)
    u = tg.from_dlpack(a_back)
    a_back[2] = 99
    assert u.tolist() == [0, 1, 99, 3] and u.dtype == tg.int32
    assert t.__dlpack_device__() == (1, 0)
    nc = tg.from_dlpack(np.arange(12.0).reshape(3, 4)[:, ::2])
    assert nc.tolist() == [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]]
    cap = tg.to_dlpack(t)
    assert tg.from_dlpack(cap).tolist() == t.tolist()
    with pytest.raises(TypeError):
        tg.from_dlpack(cap)  # a capsule is consumed once


def test_dlpack_with_torch():
    torch = pytest.importorskip("torch")
    t = tg.arange(6, dtype=tg.float32).reshape(2, 3)
    pt = torch.from_dlpack(t)
    pt[0, 0] = 10
    assert t[0, 0].item() == 10
    back = tg.from_dlpack(torch.arange(4.0))
    assert back.tolist() == [0.0, 1.0, 2.0, 3.0]
    if torch.cuda.is_available() and tg.cuda.is_available():
        g = torch.arange(8.0, device="cuda")
        tgg = tg.from_dlpack(g)
        assert tgg.is_cuda and tgg.cpu().tolist() == list(map(float, range(8)))
        g2 = torch.from_dlpack(tg.ones(3, device="cuda"))
        assert g2.is_cuda and g2.sum().item() == 3
