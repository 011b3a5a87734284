"""asarray, frombuffer, empty_strided, randint_like, Tensor.view(dtype), and the Python-written
Tensor methods (apply_, map_, map2_, the layout queries)."""
import array
import pickle

import numpy as np
import pytest

import tapegrad as tg


def test_view_as_another_dtype():
    x = tg.tensor([1.0, -2.0])
    bits = x.view(tg.int32)
    assert bits.dtype == tg.int32 and bits.tolist() == [0x3F800000, -0x40000000]
    assert x.view(tg.uint8).shape == (8,) and x.view(dtype=tg.float16).shape == (4,)
    bits.fill_(0x40400000)  # writes reach x
    assert x.tolist() == [3.0, 3.0]
    assert not tg.ones(2, requires_grad=True).view(tg.int32).requires_grad
    with pytest.raises(RuntimeError, match="last dimension's size must be divisible by 4 to view uint8 as int32"):
        tg.zeros(3, dtype=tg.uint8).view(tg.int32)


def test_frombuffer_shares_and_checks():
    buf = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
    t = tg.frombuffer(buf, dtype=tg.int32)
    assert t.tolist() == [1, 2]
    t[1] = 7
    assert buf[4] == 7
    assert tg.frombuffer(buf, dtype=tg.int32, count=1, offset=4).tolist() == [7]
    assert tg.frombuffer(array.array("f", [1.5, 2.5]), dtype=tg.float32).tolist() == [1.5, 2.5]
    with pytest.warns(UserWarning, match="not writable"):
        assert tg.frombuffer(b"\x05\x06", dtype=tg.uint8).tolist() == [5, 6]
    with pytest.raises(ValueError, match=r"buffer length \(5 bytes\) after offset \(0 bytes\) must be a multiple"):
        tg.frombuffer(bytearray(5), dtype=tg.int32)
    with pytest.raises(ValueError, match="offset"):
        tg.frombuffer(bytearray(4), dtype=tg.uint8, offset=4)
    with pytest.raises(ValueError, match="must not be greater than actual buffer length"):
        tg.frombuffer(bytearray(4), dtype=tg.int32, count=2)
    with pytest.raises(ValueError, match="must not be 0"):
        tg.frombuffer(bytearray(), dtype=tg.uint8)


def test_asarray_shares_where_it_can():
    t = tg.ones(3)
    assert tg.asarray(t) is t
    assert tg.asarray(t, copy=True).data_ptr() != t.data_ptr()
    d = tg.asarray(t, dtype=tg.float64)
    assert d.dtype == tg.float64
    with pytest.raises(ValueError, match="can.t alias a tensor of dtype tapegrad.float32 on cpu into dtype tapegrad.float64"):
        tg.asarray(t, dtype=tg.float64, copy=False)
    n = np.arange(3.0)
    a = tg.asarray(n)
    n[0] = 5
    assert a.tolist() == [5.0, 1.0, 2.0] and a.dtype == tg.float64
    assert tg.asarray(n, copy=True).data_ptr() != tg.asarray(n).data_ptr()
    assert tg.asarray([1, 2.5]).dtype == tg.float32 and tg.asarray([1, 2]).dtype == tg.int64
    assert tg.asarray(3).shape == () and tg.asarray([True]).dtype == tg.bool
    with pytest.raises(ValueError, match="can't alias a list"):
        tg.asarray([1], copy=False)
    raw = bytearray(b"abcd")
    assert tg.asarray(raw).tolist() == [97, 98, 99, 100]
    assert tg.asarray(raw, dtype=tg.int32).tolist() == [1684234849]
    assert tg.asarray(array.array("f", [1, 2])).tolist() == [1.0, 2.0]
    g = tg.ones(2, requires_grad=True)
    assert tg.asarray(g) is g
    assert not tg.asarray(g, requires_grad=False).requires_grad
    leaf = tg.asarray(t, requires_grad=True)
    assert leaf.requires_grad and not t.requires_grad


def test_empty_strided_and_randint_like():
    x = tg.empty_strided((2, 3), (1, 2))
    assert x.shape == (2, 3) and x.stride() == (1, 2)
    assert tg.empty_strided((2, 3), (0, 1), dtype=tg.int64).stride() == (0, 1)
    assert tg.empty_strided((0, 3), (3, 1)).numel() == 0
    y = tg.ones(1).new_empty_strided((4,), (2,))
    assert y.stride() == (2,) and y.dtype == tg.float32
    assert tg.empty_strided((2,), (1,), requires_grad=True).requires_grad
    with pytest.raises(ValueError, match=r"size \[2, 3\] and stride \[1\] have different lengths"):
        tg.empty_strided((2, 3), (1,))
    with pytest.raises(ValueError, match="negative stride"):
        tg.empty_strided((2,), (-1,))
    r = tg.randint_like(tg.zeros(100), 3, 6)
    assert r.dtype == tg.float32 and 3 <= r.min().item() and r.max().item() < 6
    assert tg.randint_like(tg.zeros(5, dtype=tg.int64), 2).max().item() < 2


def test_python_callable_methods_and_layout():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.apply_(lambda v: v * 10) is x and x.tolist() == [[10.0, 20.0], [30.0, 40.0]]
    x.map_(tg.tensor([1.0, 2.0]), lambda a, b: a + b)
    assert x.tolist() == [[11.0, 22.0], [31.0, 42.0]]
    x.map2_(tg.ones(2, 2), tg.tensor(2.0), lambda a, b, c: a * c - b)
    assert x.tolist() == [[21.0, 43.0], [61.0, 83.0]]
    col = tg.zeros(3, 3)[:, 1]
    col.apply_(lambda v: 1.0)  # a non-contiguous view: written through
    assert col.tolist() == [1.0, 1.0, 1.0]
    assert x.layout is tg.strided and repr(tg.strided) == "tapegrad.strided"
    assert pickle.loads(pickle.dumps(tg.strided)) is tg.strided
    assert not x.is_sparse and not x.is_quantized and not x.is_meta
    assert x.to_dense() is x and x.to_dense(tg.float64).dtype == tg.float64
    with pytest.raises(RuntimeError, match="leaf"):
        tg.ones(2, requires_grad=True).apply_(lambda v: v)


def test_against_torch():
    torch = pytest.importorskip("torch")
    data = bytearray(np.arange(16, dtype=np.uint8).tobytes())
    for dt, tdt in ((tg.float16, torch.float16), (tg.float32, torch.float32), (tg.int64, torch.int64)):
        assert tg.frombuffer(data, dtype=dt, offset=8).tolist() == torch.frombuffer(data, dtype=tdt, offset=8).tolist()
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    for dt, tdt in ((tg.uint8, torch.uint8), (tg.int64, torch.int64), (tg.float32, torch.float32)):
        ours, theirs = tg.from_numpy(a).view(dt), torch.from_numpy(a).view(tdt)
        assert ours.tolist() == theirs.tolist() and ours.stride() == theirs.stride()


def test_nonzero_static_and_legacy_new_as_torch():
    torch = pytest.importorskip("torch")
    data = [[0, 1, 0], [2, 0, 3]]
    for size, fill in ((5, -1), (2, 0), (0, 7)):
        ours = tg.nonzero_static(tg.tensor(data), size=size, fill_value=fill)
        theirs = torch.nonzero_static(torch.tensor(data), size=size, fill_value=fill)
        assert ours.tolist() == theirs.tolist() and ours.dtype == tg.int64 and tuple(ours.shape) == tuple(theirs.shape)
    assert tg.tensor(data).nonzero_static(size=1).tolist() == [[0, 1]]
    with pytest.raises(RuntimeError, match="'size' must be an non-negative integer"):
        tg.nonzero_static(tg.tensor(data), size=-1)
    x = tg.tensor([1.5, -2.0], dtype=tg.float64)
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == tg.float64
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new([1, 2]).dtype == tg.float64
    assert x.new(x.shape).shape == (2,) and x.new().shape == (0,) and x.new((4, 5)).tolist() == [4.0, 5.0]
    assert x.const_data_ptr() == x.data_ptr()
    assert x.hardshrink(1.6).tolist() == [0.0, -2.0]
    assert tg.tensor([1.0, -1.0]).prelu(tg.tensor([0.25])).tolist() == [1.0, -0.25]


def test_empty_permuted_lays_dims_out_in_the_order_given():
    x = tg.empty_permuted((2, 3, 4, 5), (0, 2, 3, 1))  # channels-last
    assert x.shape == (2, 3, 4, 5) and x.stride() == (60, 1, 15, 3)
    y = tg.empty_permuted((2, 3), (1, 0), dtype=tg.float64, requires_grad=True)
    assert y.stride() == (1, 2) and y.dtype == tg.float64 and y.requires_grad and y.is_leaf
    assert tg.empty_permuted((2, 3, 4), (0, 1, 2)).is_contiguous()
    with pytest.raises(RuntimeError, match="must be a permutation of the 3 dims"):
        tg.empty_permuted((2, 3, 4), (0, 1, 1))


def test_from_file_maps_private_or_shared(tmp_path):
    path = tmp_path / "storage.bin"
    values = np.arange(10, dtype=np.float64)
    values.tofile(path)
    private = tg.from_file(str(path), shared=False, size=10, dtype=tg.float64)
    assert private.tolist() == values.tolist() and private.shape == (10,)
    private[0] = 42.0  # copy-on-write: the file keeps its bytes
    assert np.fromfile(path)[0] == 0.0
    shared = tg.from_file(str(path), shared=True, size=10, dtype=tg.float64)
    shared[1] = 7.0
    del shared
    assert np.fromfile(path)[1] == 7.0
    created = tmp_path / "new.bin"  # shared=True creates the file, sized to fit
    made = tg.from_file(str(created), shared=True, size=4, dtype=tg.int32)
    made.fill_(3)
    del made
    assert np.fromfile(created, dtype=np.int32).tolist() == [3, 3, 3, 3]
    assert tg.from_file(str(path), size=4, dtype=tg.bfloat16).dtype == tg.bfloat16
    assert tg.from_file(str(path)).shape == (0,) and tg.from_file(str(path), size=2).dtype == tg.float32
    with pytest.raises(RuntimeError, match="has 80 bytes, fewer than the 800 that 100 elements"):
        tg.from_file(str(path), size=100, dtype=tg.float64)
    with pytest.raises(ValueError, match="size must be a non-negative int"):
        tg.from_file(str(path), size=-1)
