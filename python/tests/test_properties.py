"""Property tests (hypothesis): broadcasting arithmetic and indexing agree with NumPy on random
shapes, values and indices."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tapegrad as tg

settings.register_profile("tapegrad", max_examples=150, deadline=None)
settings.load_profile("tapegrad")

finite = st.floats(-100, 100, allow_nan=False, width=32)


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
    a = draw(hnp.arrays(np.float32, shapes.input_shapes[0], elements=finite))
    b = draw(hnp.arrays(np.float32, shapes.input_shapes[1], elements=finite))
    return a, b


OPS = {
    "add": (lambda x, y: x + y, np.add),
    "sub": (lambda x, y: x - y, np.subtract),
    "mul": (lambda x, y: x * y, np.multiply),
    "maximum": (tg.maximum, np.maximum),
    "gt": (lambda x, y: x > y, np.greater),
}


@pytest.mark.parametrize("name", OPS)
@given(pair=broadcastable_pair())
def test_broadcasting_matches_numpy(name, pair):
    a, b = pair
    ours, theirs = OPS[name]
    result = ours(tg.tensor(a), tg.tensor(b))
    expected = theirs(a, b)
    assert result.shape == expected.shape
    np.testing.assert_allclose(np.asarray(result, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=1e-6, atol=1e-6)


@given(pair=broadcastable_pair())
def test_broadcast_gradients_sum_over_broadcast_dims(pair):
    a, b = pair
    ta = tg.tensor(a, requires_grad=True)
    tb = tg.tensor(b, requires_grad=True)
    (ta * 2 + tb).sum().backward()
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    expected_b = np.ones(out_shape, np.float32)
    expected_b = expected_b.sum(axis=tuple(range(len(out_shape) - b.ndim)))
    for axis, size in enumerate(b.shape):
        if size == 1:
            expected_b = expected_b.sum(axis=axis, keepdims=True)
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    np.testing.assert_allclose(tb.grad.numpy(), expected_b.reshape(b.shape))


@st.composite
def array_and_basic_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    index = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    return a, index


def has_negative_step(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts)


@given(case=array_and_basic_index())
def test_basic_indexing_matches_numpy(case):
    a, index = case
    t = tg.from_numpy(a)
    if has_negative_step(index):
        with pytest.raises((IndexError, ValueError)):
            t[index]
        return
    np.testing.assert_array_equal(np.asarray(t[index]), a[index])


@given(case=array_and_basic_index())
def test_basic_index_assignment_matches_numpy(case):
    a, index = case
    if has_negative_step(index):
        return
    t = tg.from_numpy(a.copy())
    expected = a.copy()
    expected[index] = -1
    t[index] = -1
    np.testing.assert_array_equal(t.numpy(), expected)


@st.composite
def array_and_integer_array_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    dim_index = draw(hnp.arrays(np.int64, draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)),
                                elements=st.integers(-shape[0], shape[0] - 1)))
    mask = draw(hnp.arrays(np.bool_, shape[:1]))
    return a, dim_index, mask


@given(case=array_and_integer_array_index())
def test_advanced_indexing_matches_numpy(case):
    a, idx, mask = case
    t = tg.from_numpy(a)
    np.testing.assert_array_equal(np.asarray(t[tg.from_numpy(idx)]), a[idx])
    np.testing.assert_array_equal(np.asarray(t[idx.tolist()]), a[idx.tolist()])
    np.testing.assert_array_equal(np.asarray(t[tg.from_numpy(mask)]), a[mask])
    if a.ndim > 1:
        np.testing.assert_array_equal(np.asarray(t[:, 0]), a[:, 0])
        np.testing.assert_array_equal(np.asarray(t[tg.from_numpy(idx), 0]), a[idx, 0])
