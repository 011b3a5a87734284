"""Indexing with Python's syntax, checked against NumPy on the same data."""
import numpy as np
import pytest

import tapegrad as tg

A = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)

INDICES = [
    1, -1, (0, 2), (slice(None), 1), (slice(1, None),), (slice(None, None, 2),), (slice(0, 3, 2), 1, slice(None, -1)),
    (Ellipsis, 0), (0, Ellipsis, slice(1, 3)), (None, 1), (slice(None), None, 1), (0, None, Ellipsis, None),
    ([0, 1],), (slice(None), [2, 0, 1]), (0, [0, 2], [1, 3]), (np.array([1, 0]),),
    (A[:, :, :, 0] % 2 == 0,), (slice(None), [True, False, True]), (1, slice(None), 2, slice(4, 1, -1) if False else 0),
]


@pytest.mark.parametrize("index", INDICES, ids=[str(i)[:40] for i in range(len(INDICES))])
def test_getitem_like_numpy(index):
    t = tg.from_numpy(A)
    np.testing.assert_array_equal(t[index].numpy(), A[index])


@pytest.mark.parametrize("index", [1, (0, 1), (slice(None), 2), (Ellipsis, 1), ([0, 1], 0), (A[..., 0] > 50,)])
def test_setitem_like_numpy(index):
    a = A.copy()
    t = tg.from_numpy(A.copy())
    a[index] = -7
    t[index] = -7
    np.testing.assert_array_equal(t.numpy(), a)
    values = np.full(a[index].shape, 3)
    a[index] = values
    t[index] = tg.from_numpy(values)
    np.testing.assert_array_equal(t.numpy(), a)


def test_views_share_memory_and_record_gradients():
    x = tg.zeros(4, 4)
    x[1:3, 1:3] = 1
    assert x.sum().item() == 4
    row = x[0]
    row += 5
    assert x[0].tolist() == [5.0] * 4
    w = tg.ones(3, requires_grad=True)
    (w[[0, 0, 2]] * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.tolist() == [3.0, 0.0, 3.0]


def test_index_ops():
    t = tg.tensor([[1, 5, 3], [9, 2, 4]])
    assert t.gather(1, tg.tensor([[2], [0]])).tolist() == [[3], [9]]
    assert t.index_select(1, tg.tensor([0, 2])).tolist() == [[1, 3], [9, 4]]
    assert t.masked_fill(t > 4, 0).tolist() == [[1, 0, 3], [0, 2, 4]]
    assert tg.zeros(2, 3).scatter_add(1, tg.tensor([[0, 0, 1], [2, 2, 2]]), tg.ones(2, 3)).tolist() == [
        [2.0, 1.0, 0.0], [0.0, 0.0, 3.0]]
    values, indices = t.sort(dim=1, descending=True)
    assert values.tolist() == [[5, 3, 1], [9, 4, 2]] and indices.tolist() == [[1, 2, 0], [0, 2, 1]]
    assert t.topk(1).values.tolist() == [[5], [9]] and t.topk(1).indices.tolist() == [[1], [0]]
    assert t.max(1).indices.tolist() == [1, 0] and tg.min(t, 0).values.tolist() == [1, 2, 3]
    v, i = t.sort(1)
    assert v.tolist() == [[1, 3, 5], [2, 4, 9]]
    assert t.nonzero().shape == (6, 2)


def test_index_errors_are_index_errors():
    t = tg.zeros(2, 3)
    with pytest.raises(IndexError, match="out of range|out of bounds"):
        t[5]
    with pytest.raises(IndexError):
        t[0, 7]
    with pytest.raises(IndexError):
        t[tg.tensor([0, 4])]
