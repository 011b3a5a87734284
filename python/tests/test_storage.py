"""Tensor.untyped_storage() and storage(): the memory under a tensor and all its views."""
import pytest

import tapegrad as tg


def test_views_share_one_storage():
    base = tg.arange(12.0)
    view = base.reshape(3, 4)[1:, 1:]
    s, sv = base.untyped_storage(), view.untyped_storage()
    assert s.data_ptr() == sv.data_ptr() == base.data_ptr()
    assert view.data_ptr() == s.data_ptr() + 5 * 4
    assert s.nbytes() == len(s) == s.size() == 48 and s.element_size() == 1 and s.dtype == tg.uint8
    assert s.device == tg.device("cpu") and not s.is_cuda and not s.is_shared()
    assert tg.ones(3).untyped_storage().data_ptr() != s.data_ptr()
    typed = view.storage()
    assert typed.size() == 12 and typed.dtype == tg.float32 and typed.element_size() == 4
    assert typed.tolist() == [float(i) for i in range(12)] and typed[7] == 7.0
    assert typed.nbytes() == 48 and typed.untyped().data_ptr() == s.data_ptr()


def test_writes_through_a_storage_reach_the_tensors():
    t = tg.zeros(2, 2, dtype=tg.int32)
    st = t.t().storage()
    st[3] = 9
    assert t.tolist() == [[0, 0], [0, 9]]
    t.untyped_storage().fill_(0)
    assert t.sum().item() == 0
    b = tg.tensor([1, 2, 3], dtype=tg.uint8)
    raw = b.untyped_storage()
    assert raw.tolist() == [1, 2, 3] and raw[1] == 2 and list(raw[1:].tolist()) == [2, 3]
    other = tg.UntypedStorage([7, 8, 9])
    raw.copy_(other)
    assert b.tolist() == [7, 8, 9]
    c = raw.clone()
    c.fill_(1)
    assert b.tolist() == [7, 8, 9] and c.tolist() == [1, 1, 1]
    with pytest.raises(RuntimeError, match="hold 3 and 2 bytes"):
        raw.copy_(tg.UntypedStorage(2))
    with pytest.raises(RuntimeError, match="fixed size"):
        raw.resize_(0)
    with pytest.raises(TypeError, match="expected a storage"):
        raw.copy_(b)


def test_new_storages():
    s = tg.UntypedStorage(5)
    assert s.nbytes() == 5 and s.tolist() == [0] * 5
    assert tg.UntypedStorage().nbytes() == 0
    typed = tg.TypedStorage([1.5, 2.5], dtype=tg.float64)
    assert typed.size() == 2 and typed.nbytes() == 16 and typed.tolist() == [1.5, 2.5]
    assert "UntypedStorage of size 5" in repr(s)
    with pytest.raises(ValueError, match="must be non-negative"):
        tg.UntypedStorage(-1)
    # Complex and bool tensors have byte storages too.
    assert tg.ones(2, dtype=tg.complex64).untyped_storage().nbytes() == 16
    assert tg.ones(3, dtype=tg.bool).untyped_storage().tolist() == [1, 1, 1]
