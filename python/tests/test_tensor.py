"""Tensors from Python: construction, metadata, operators against NumPy, reductions, shapes."""
import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import tapegrad as tg
from conftest import assert_close, requires_lapack


def test_construction_and_dtypes():
    assert tg.tensor([1, 2, 3]).dtype == tg.int64
    assert tg.tensor([1.0, 2]).dtype == tg.float32
    assert tg.tensor([True, False]).dtype == tg.bool
    assert tg.tensor([[1, 2], [3, 4]], dtype=tg.float64).dtype == tg.float64
    assert tg.tensor(3.5).shape == ()
    assert tg.tensor([]).shape == (0,)
    assert tg.zeros(2, 3).shape == (2, 3) and tg.ones((4,)).tolist() == [1.0] * 4
    assert tg.full((2,), 7).dtype == tg.int64
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert_close(tg.linspace(0, 1, 5), np.linspace(0, 1, 5))
    assert tg.eye(3).sum().item() == 3
    assert tg.randint(0, 10, (100,)).max().item() < 10
    assert tg.randint(5, (3,)).shape == (3,)
    assert sorted(tg.randperm(6).tolist()) == list(range(6))
    assert tg.zeros_like(tg.ones(2, 2), dtype=tg.float64).dtype == tg.float64
    assert tg.rand(3, requires_grad=True).requires_grad
    assert repr(tg.float32) == "tapegrad.float32" and tg.float == tg.float32 and tg.long == tg.int64


def test_nested_lists_and_numpy_scalars():
    t = tg.tensor([[1, 2.5], [np.float32(3), np.int64(4)]])
    assert t.dtype == tg.float32 and t.tolist() == [[1.0, 2.5], [3.0, 4.0]]
    assert tg.tensor([np.bool_(True)]).dtype == tg.bool
    assert tg.tensor([tg.tensor(1.5), 2.0]).tolist() == [1.5, 2.0]
    # A list of floats with a dtype is converted once, straight from the Python doubles.
    assert tg.tensor([0.1], dtype=tg.float64).item() == 0.1
    assert tg.tensor([[0.1, 1e300]], dtype=tg.float64).tolist() == [[0.1, 1e300]]


def test_any_sequence_nests_as_a_list():
    import array
    import collections
    # torch.tensor takes any sequence: returns kept in a deque, a range, rows that are NumPy arrays.
    assert tg.tensor(collections.deque([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert tg.tensor(range(3)).dtype == tg.int64 and tg.as_tensor(range(3)).tolist() == [0, 1, 2]
    rows = tg.tensor([np.zeros(2, np.float32), np.ones(2, np.float32)])
    assert rows.dtype == tg.float32 and rows.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert tg.tensor([np.array([1, 2]), np.array([3, 4])]).dtype == tg.int64
    assert tg.tensor([np.array(1.5), np.array(2.5)]).dtype == tg.float64  # 0-dim arrays are numbers
    assert tg.tensor([range(2), range(2)]).shape == (2, 2)
    assert tg.tensor([array.array("d", [1, 2])]).dtype == tg.float32
    assert tg.tensor(collections.deque()).shape == (0,)
    with pytest.raises(ValueError, match="ragged"):
        tg.tensor([collections.deque([1]), collections.deque([1, 2])])
    for not_a_sequence in ("ab", {1, 2}, {1: 2}, (i for i in range(2))):
        with pytest.raises(TypeError, match="expected a tensor, a number"):
            tg.tensor(not_a_sequence)
    with pytest.raises(TypeError, match="cannot make a tensor element from str"):
        tg.tensor([1, "a"])


def test_generators_are_reproducible():
    g1, g2 = tg.Generator(7), tg.Generator(7)
    assert tg.equal(tg.randn(5, generator=g1), tg.randn(5, generator=g2))
    tg.manual_seed(3)
    a = tg.rand(4)
    tg.manual_seed(3)
    assert tg.equal(a, tg.rand(4))


def test_metadata_and_protocols():
    t = tg.arange(12).reshape(3, 4)
    assert t.shape == (3, 4) and t.size() == (3, 4) and t.size(1) == 4 and t.ndim == 2 and t.dim() == 2
    # torch.Size's behaviour: a tuple with numel(), slices and sums stay Sizes.
    assert isinstance(t.shape, tg.Size) and isinstance(t.shape, tuple) and t.shape.numel() == 12
    assert repr(t.shape) == "tapegrad.Size([3, 4])" and isinstance(t.shape[1:], tg.Size) and t.shape[0] == 3
    assert t.shape + (5,) == (3, 4, 5) and isinstance(t.shape + (5,), tg.Size) and tg.zeros(t.shape).shape == (3, 4)
    assert tg.tensor(1.0).shape.numel() == 1 and tg.Size([2, 0]).numel() == 0
    assert t.stride() == (4, 1) and t.numel() == 12 and len(t) == 3
    assert t.device == tg.device("cpu") and str(t.device) == "cpu" and t.device == "cpu"
    assert [row.tolist() for row in t][1] == [4, 5, 6, 7]
    assert t.T.shape == (4, 3) and t.mT.shape == (4, 3)
    assert int(tg.tensor(3)) == 3 and float(tg.tensor(2.5)) == 2.5 and bool(tg.tensor(1))
    assert [10, 20, 30][tg.tensor(1)] == 20
    assert tg.tensor([1.0, 2.0]).element_size() == 4 and t.is_contiguous() and not t.T.is_contiguous()
    assert hash(t) == hash(t)
    assert 5 in t and 100 not in t and f"{tg.tensor(2.0):.2f}" == "2.00" and f"{t[0, 0]}" == "tensor(0)"
    assert isinstance(np.ones(3, np.float32) + tg.ones(3), tg.Tensor)


def test_repr_matches_pytorch_layout():
    assert repr(tg.tensor([1.0, 2.5, -3.0])) == "tensor([ 1.0000,  2.5000, -3.0000])"
    assert repr(tg.tensor([[1, 2], [3, 40]])) == "tensor([[ 1,  2],\n        [ 3, 40]])"
    assert "requires_grad=True" in repr(tg.ones(2, requires_grad=True))
    assert "grad_fn=<MulBackward>" in repr(tg.ones(2, requires_grad=True) * 2)


BINARY = [
    (lambda a, b: a + b, np.add),
    (lambda a, b: a - b, np.subtract),
    (lambda a, b: a * b, np.multiply),
    (lambda a, b: a / b, np.divide),
    (lambda a, b: a ** b, np.power),
    (lambda a, b: a // b, np.floor_divide),
    (lambda a, b: a % b, np.mod),
]


@pytest.mark.parametrize("op,ref", BINARY)
def test_operators_broadcast_like_numpy(op, ref):
    a = np.random.rand(3, 1, 4).astype(np.float32) + 0.5
    b = np.random.rand(5, 1).astype(np.float32) + 0.5
    ta, tb = tg.from_numpy(a), tg.from_numpy(b)
    assert_close(op(ta, tb), ref(a, b), rtol=1e-5)
    assert_close(op(ta, 2.0), ref(a, np.float32(2.0)), rtol=1e-5)
    assert_close(op(2.0, ta), ref(np.float32(2.0), a), rtol=1e-5)
    assert_close(op(ta, b.tolist()), ref(a, b), rtol=1e-5)


def test_scalar_operands_keep_the_tensor_dtype():
    x = tg.tensor([1, 2, 3])
    assert (x * 2).dtype == tg.int64
    assert (x * 2.5).dtype == tg.float32
    assert (tg.ones(2, dtype=tg.float64) * 2).dtype == tg.float64
    assert (x / 2).dtype == tg.float32


def test_comparisons_logic_and_unary():
    x = tg.tensor([-1.5, 0.0, 2.0])
    assert (x > 0).tolist() == [False, False, True]
    assert (x == 0).tolist() == [False, True, False]
    assert (0 < x).tolist() == [False, False, True]
    assert ((x > -1) & (x < 1)).tolist() == [False, True, False]
    assert (~(x > 0)).tolist() == [True, True, False]
    assert (-x).tolist() == [1.5, -0.0, -2.0] and abs(x).tolist() == [1.5, 0.0, 2.0]
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert_close(x.exp(), np.exp([-1.5, 0.0, 2.0]))
    assert_close(tg.sigmoid(x), 1 / (1 + np.exp(-np.array([-1.5, 0.0, 2.0]))))
    assert_close(x.clamp(min=-1, max=1), [-1, 0, 1])
    assert_close(tg.where(x > 0, x, 0.0), [0, 0, 2])
    assert tg.allclose(x, x + 1e-9)


def test_inplace_ops_return_self_and_bump_version():
    x = tg.zeros(3)
    v = x._version
    assert x.add_(1) is x and x.mul_(3) is x
    y = x
    y += 1
    assert y is x and x.tolist() == [4.0, 4.0, 4.0] and x._version > v
    assert x.fill_(2).tolist() == [2.0, 2.0, 2.0] and x.zero_().sum().item() == 0
    assert x.add_(tg.ones(3), alpha=2).tolist() == [2.0, 2.0, 2.0]
    assert x.lerp_(tg.tensor([4.0, 6.0, 10.0]), 0.5) is x and x.tolist() == [3.0, 4.0, 6.0]
    assert x.lerp_(tg.zeros(3), tg.tensor([1.0, 0.0, 0.5])).tolist() == [0.0, 4.0, 3.0]
    assert x.addcmul_(tg.ones(3), x, value=2) is x and x.tolist() == [0.0, 12.0, 9.0]
    with pytest.raises(TypeError, match="lerp_: expected floating-point or complex tensors"):
        tg.ones(3, dtype=tg.int64).lerp_(tg.ones(3, dtype=tg.int64), 0.5)


def test_reductions_against_numpy():
    a = np.random.rand(3, 4, 5).astype(np.float32)
    t = tg.from_numpy(a)
    assert_close(t.sum(), a.sum(), rtol=1e-5)
    assert_close(t.sum(1), a.sum(1), rtol=1e-5)
    assert_close(t.sum((0, 2), keepdim=True), a.sum((0, 2), keepdims=True), rtol=1e-5)
    assert_close(t.mean(-1), a.mean(-1), rtol=1e-5)
    assert_close(t.var(1), a.var(1, ddof=1), rtol=1e-4)
    assert_close(t.std(1, unbiased=False), a.std(1), rtol=1e-4)
    assert_close(t.amax((1, 2)), a.max((1, 2)))
    values, indices = t.max(2)
    assert_close(values, a.max(2)) and np.testing.assert_array_equal(indices.numpy(), a.argmax(2))
    assert t.argmax().item() == a.argmax()
    assert_close(t.norm(), np.linalg.norm(a.ravel()), rtol=1e-5)
    assert_close(t.logsumexp(0), np.log(np.exp(a).sum(0)), rtol=1e-5)
    assert_close(t.cumsum(1), a.cumsum(1), rtol=1e-5)
    assert tg.tensor([True, False]).any().item() and not tg.tensor([True, False]).all().item()


def test_order_statistics_against_numpy():
    a = np.random.rand(5, 7)
    t = tg.from_numpy(a)
    values, indices = t.kthvalue(3, 1)
    assert_close(values, np.sort(a, 1)[:, 2])
    np.testing.assert_array_equal(indices.numpy(), np.argsort(a, 1)[:, 2])
    assert_close(tg.median(t, 0).values, np.median(a, 0))  # odd count: the middle value
    assert_close(t.median(), np.sort(a.ravel())[(a.size - 1) // 2])
    with_nan = a.copy()
    with_nan[0, 2] = np.nan
    assert_close(tg.nanmedian(tg.from_numpy(with_nan), 1).values[0], np.sort(with_nan[0])[2])
    assert np.isnan(tg.median(tg.from_numpy(with_nan), 1).values[0].item())
    assert_close(t.quantile(0.3, 1), np.quantile(a, 0.3, 1), rtol=1e-12)
    assert_close(tg.quantile(t, tg.tensor([0.1, 0.9], dtype=tg.float64), interpolation="midpoint"),
                 np.quantile(a, [0.1, 0.9], method="midpoint"), rtol=1e-12)
    assert_close(tg.nanquantile(tg.from_numpy(with_nan), 0.5, 1), np.nanquantile(with_nan, 0.5, 1), rtol=1e-12)
    assert tg.mode(tg.tensor([2, 1, 2, 1, 3])).values.item() == 1
    with pytest.raises(IndexError, match="kthvalue: k \\(8\\) is out of range"):
        t.kthvalue(8, 1)
    with pytest.raises(ValueError, match="interpolation must be one of"):
        t.quantile(0.5, interpolation="cubic")
    with pytest.raises(TypeError, match="quantile: expected a floating-point input"):
        tg.quantile(tg.tensor([1, 2]), 0.5)


def test_scans_searches_and_sampling_against_numpy():
    a = np.random.rand(3, 5) + 0.5
    t = tg.from_numpy(a)
    assert_close(t.cumprod(1), a.cumprod(1), rtol=1e-12)
    assert_close(tg.cumprod(t, 0, dtype=tg.float32), a.cumprod(0), rtol=1e-6)
    values, indices = t.cummax(1)
    assert_close(values, np.maximum.accumulate(a, 1))
    assert_close(tg.cummin(t, dim=0).values, np.minimum.accumulate(a, 0))
    assert indices.dtype == tg.int64
    assert_close(t.logcumsumexp(1), np.log(np.exp(a).cumsum(1)), rtol=1e-12)
    seq, v = np.array([1.0, 3.0, 5.0, 7.0]), np.array([[0.0, 3.0], [6.0, 9.0]])
    for side in ("left", "right"):
        got = tg.searchsorted(tg.from_numpy(seq), tg.from_numpy(v), side=side)
        np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, v, side=side))
        got = tg.bucketize(tg.from_numpy(v), tg.from_numpy(seq), right=side == "right")
        np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, v, side=side))
    assert tg.searchsorted(tg.from_numpy(seq), 4).item() == 2
    assert tg.searchsorted(tg.from_numpy(seq), tg.from_numpy(v), out_int32=True).dtype == tg.int32
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        tg.searchsorted(tg.from_numpy(seq), 1.0, side="middle")
    g = tg.Generator(3)
    draws = tg.tensor([[0.0, 1.0, 3.0]]).multinomial(4000, True, generator=g)
    assert draws.shape == (1, 4000) and draws.dtype == tg.int64
    counts = np.bincount(draws.numpy().ravel(), minlength=3) / 4000
    np.testing.assert_allclose(counts, [0, 0.25, 0.75], atol=0.03)
    assert sorted(tg.multinomial(tg.tensor([1.0, 2.0, 3.0]), 3).tolist()) == [0, 1, 2]
    with pytest.raises(ValueError, match="without replacement"):
        tg.multinomial(tg.tensor([1.0, 2.0]), 3)
    b = tg.bernoulli(tg.full((2000,), 0.25), generator=g)
    assert set(np.unique(b.numpy())) <= {0.0, 1.0} and abs(b.mean().item() - 0.25) < 0.04


def test_unique_along_a_dim_against_numpy():
    rows = np.random.randint(0, 2, size=(8, 3))
    values, inverse, counts = tg.unique(tg.from_numpy(rows), dim=0, return_inverse=True, return_counts=True)
    want, want_inverse, want_counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), want)
    np.testing.assert_array_equal(inverse.numpy(), want_inverse.ravel())
    np.testing.assert_array_equal(counts.numpy(), want_counts)


@requires_lapack
def test_linalg_solvers_against_numpy():
    a = np.random.randn(2, 4, 4) + 4 * np.eye(4)
    b = np.random.randn(2, 4, 3)
    t = tg.from_numpy(a)
    assert_close(tg.linalg.inv(t), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    assert_close(t.inverse(), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    assert_close(tg.linalg.det(t), np.linalg.det(a), rtol=1e-10)
    sign, logabsdet = tg.linalg.slogdet(t)
    want = np.linalg.slogdet(a)
    assert_close(sign, want[0]) and assert_close(logabsdet, want[1], rtol=1e-10)
    assert tg.slogdet(t).logabsdet.shape == (2,)
    assert_close(tg.linalg.solve(t, tg.from_numpy(b)), np.linalg.solve(a, b), rtol=1e-10, atol=1e-12)
    spd = a @ a.transpose(0, 2, 1) + np.eye(4)
    assert_close(tg.linalg.cholesky(tg.from_numpy(spd)), np.linalg.cholesky(spd), rtol=1e-10, atol=1e-12)
    assert_close(tg.linalg.cholesky(tg.from_numpy(spd), upper=True),
                 np.linalg.cholesky(spd).transpose(0, 2, 1), rtol=1e-10, atol=1e-12)
    w, v = tg.linalg.eigh(tg.from_numpy(spd))
    assert_close(w, np.linalg.eigvalsh(spd), rtol=1e-10)
    assert_close(v.abs(), np.abs(np.linalg.eigh(spd)[1]), rtol=1e-8, atol=1e-10)
    assert_close(tg.linalg.eigvalsh(tg.from_numpy(spd), UPLO="U"), np.linalg.eigvalsh(spd, UPLO="U"), rtol=1e-10)
    with pytest.raises(tg.linalg.LinAlgError, match="not positive-definite"):
        tg.linalg.cholesky(tg.from_numpy(-spd))
    with pytest.raises(RuntimeError, match="singular"):
        tg.linalg.inv(tg.zeros(3, 3, dtype=tg.float64))
    bt = b.swapaxes(-1, -2)
    assert_close(tg.linalg.solve(t, tg.from_numpy(bt.copy()), left=False),
                 np.linalg.solve(a.swapaxes(-1, -2), b).swapaxes(-1, -2), rtol=1e-10, atol=1e-12)


@requires_lapack
def test_lu_family_and_matrix_exp():
    a, b = np.random.randn(2, 4, 4), np.random.randn(2, 4, 3)
    t = tg.from_numpy(a)
    p, l, u = tg.linalg.lu(t)
    assert type(tg.linalg.lu(t)).__name__ == "linalg_lu"
    assert_close(p @ l @ u, a, rtol=1e-10, atol=1e-12)
    lu, pivots = tg.linalg.lu_factor(t)
    assert pivots.dtype == tg.int32 and pivots.shape == (2, 4)
    assert_close(tg.linalg.lu_solve(lu, pivots, tg.from_numpy(b)), np.linalg.solve(a, b), rtol=1e-9, atol=1e-12)
    with pytest.raises(TypeError, match="int32 pivots"):
        tg.linalg.lu_solve(lu, pivots.long(), tg.from_numpy(b))
    rot = tg.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=tg.float64) * (np.pi / 2)
    assert_close(tg.linalg.matrix_exp(rot), [[0.0, -1.0], [1.0, 0.0]], atol=1e-14)
    assert_close(tg.matrix_exp(tg.zeros(3, 3)), np.eye(3)) and assert_close(rot.matrix_exp(), tg.linalg.matrix_exp(rot))


@requires_lapack
def test_linalg_decompositions_and_norms_against_numpy():
    a = np.random.randn(2, 5, 3)
    t = tg.from_numpy(a)
    q, r = tg.linalg.qr(t)
    assert_close(q @ r, a, rtol=1e-10, atol=1e-12)
    assert type(tg.linalg.qr(t)).__name__ == "linalg_qr" and tg.linalg.qr(t, mode="complete").Q.shape == (2, 5, 5)
    assert_close(tg.linalg.qr(t, mode="r").R.abs(), np.abs(np.linalg.qr(a, mode="r")), rtol=1e-10, atol=1e-12)
    u, s, vh = tg.linalg.svd(t, full_matrices=False)
    assert_close(s, np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    assert_close((u * s.unsqueeze(-2)) @ vh, a, rtol=1e-10, atol=1e-12)
    assert tg.linalg.svd(t).U.shape == (2, 5, 5) and tg.linalg.svd(t).Vh.shape == (2, 3, 3)
    assert_close(tg.linalg.svdvals(t), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    assert_close(tg.linalg.pinv(t), np.linalg.pinv(a), rtol=1e-9, atol=1e-12)
    assert_close(t.pinverse(), np.linalg.pinv(a), rtol=1e-9, atol=1e-12)
    assert np.array_equal(tg.linalg.matrix_rank(t).numpy(), np.linalg.matrix_rank(a))
    b = np.random.randn(2, 5, 2)
    sol = tg.linalg.lstsq(t, tg.from_numpy(b))
    assert_close(sol.solution, np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)]), rtol=1e-9)
    assert sol.rank.tolist() == [3, 3] and sol.residuals.numel() == 0
    tri = np.triu(np.random.randn(4, 4)) + 4 * np.eye(4)
    y = np.random.randn(4, 2)
    assert_close(tg.linalg.solve_triangular(tg.from_numpy(tri), tg.from_numpy(y), upper=True), np.linalg.solve(tri, y),
                 rtol=1e-10, atol=1e-12)
    for ord in ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf):
        assert_close(tg.linalg.matrix_norm(t, ord=ord), np.linalg.norm(a, ord=ord, axis=(-2, -1)), rtol=1e-10)
        assert_close(tg.linalg.cond(tg.from_numpy(tri), ord), np.linalg.cond(tri, ord), rtol=1e-9)
    assert_close(tg.linalg.norm(t), np.linalg.norm(a.ravel()), rtol=1e-10)
    assert_close(tg.linalg.vector_norm(t, ord=3, dim=(1, 2)), (np.abs(a) ** 3).sum((1, 2)) ** (1 / 3), rtol=1e-10)
    sq = tg.from_numpy(tri)
    assert_close(tg.linalg.matrix_power(sq, 3), np.linalg.matrix_power(tri, 3), rtol=1e-10)
    assert_close(sq.matrix_power(-1), np.linalg.inv(tri), rtol=1e-10, atol=1e-12)
    assert_close(tg.linalg.multi_dot([t[0].mT, t[0], sq[:3, :3]]), a[0].T @ a[0] @ tri[:3, :3], rtol=1e-10)
    assert_close(tg.linalg.cross(t[0], t[1]), np.cross(a[0], a[1]), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="mode must be"):
        tg.linalg.qr(t, mode="full")
    with pytest.raises(ValueError, match="driver must be one of"):
        tg.linalg.lstsq(t, tg.from_numpy(b), driver="lu")
    with pytest.raises(ValueError, match="ord must be"):
        tg.linalg.matrix_norm(t, ord=3)
    with pytest.raises(TypeError, match="ord must be None, a number or a string"):
        tg.linalg.norm(t, ord=[1])
    with pytest.raises(RuntimeError, match="zero on its diagonal"):
        tg.linalg.solve_triangular(tg.zeros(2, 2, dtype=tg.float64), tg.ones(2, 1, dtype=tg.float64), upper=True)


def test_shape_ops():
    t = tg.arange(24).view(2, 3, 4)
    assert t.view(6, 4).shape == (6, 4) and t.reshape((4, -1)).shape == (4, 6) and t.reshape(-1).shape == (24,)
    assert t.permute(2, 0, 1).shape == (4, 2, 3) and t.transpose(0, 2).shape == (4, 3, 2)
    assert t.unsqueeze(0).shape == (1, 2, 3, 4) and t[:1].squeeze(0).shape == (3, 4)
    assert t.flatten(1).shape == (2, 12) and t.flatten(1).unflatten(1, (3, 4)).shape == (2, 3, 4)
    assert tg.cat([t, t], dim=1).shape == (2, 6, 4) and tg.stack([t, t]).shape == (2, 2, 3, 4)
    assert [p.shape for p in t.split(2, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape for p in t.chunk(3, 1)] == [(2, 1, 4)] * 3
    assert t.expand(5, 2, 3, 4).shape == (5, 2, 3, 4) and tg.ones(1, 3).expand(2, -1).shape == (2, 3)
    assert tg.ones(1, 3).expand((2, 3), implicit=True).shape == (2, 3)  # torch's tracing flag, no effect
    assert tg.tensor(4.0).movedim(0, -1).shape == () and tg.tensor(4.0).masked_select(tg.tensor(True)).shape == (1,)
    assert t.repeat(1, 2, 1).shape == (2, 6, 4) and t.flip(0)[0, 0, 0].item() == 12
    np.testing.assert_array_equal(tg.tril(tg.ones(3, 3)).numpy(), np.tril(np.ones((3, 3))))


def test_linear_algebra_and_softmax():
    a = np.random.rand(2, 3, 4).astype(np.float32)
    b = np.random.rand(4, 5).astype(np.float32)
    ta, tb = tg.from_numpy(a), tg.from_numpy(b)
    assert_close(ta @ tb, a @ b, rtol=1e-5)
    assert_close(tg.matmul(ta, tb), a @ b, rtol=1e-5)
    assert_close(tg.einsum("bij,jk->bik", ta, tb), np.einsum("bij,jk->bik", a, b), rtol=1e-5)
    # torch's sublist form: subscripts as ints (and Ellipsis), the output's list optional
    assert_close(tg.einsum(ta, [0, 1, 2], tb, [2, 3], [0, 1, 3]), np.einsum("bij,jk->bik", a, b), rtol=1e-5)
    assert_close(tg.einsum(ta, [..., 1, 2], tb, [2, 3], [..., 1, 3]), np.einsum("bij,jk->bik", a, b), rtol=1e-5)
    assert_close(tg.einsum(tb, [27, 0]), b.T, rtol=0)  # "bA": the implicit output is "Ab", as torch's
    with pytest.raises(ValueError, match="einsum: subscript 52 is not within the valid range"):
        tg.einsum(tb, [52, 0])
    with pytest.raises(TypeError, match="einsum: subscripts must be ints or Ellipsis, got str"):
        tg.einsum(tb, ["i", "j"])
    with pytest.raises(TypeError, match="expected a list of subscripts after each operand, got int"):
        tg.einsum(tb, 3)
    s = ta.softmax(-1)
    assert_close(s.sum(-1), np.ones((2, 3)), rtol=1e-5)
    assert_close(ta.log_softmax(1).exp(), np.exp(a) / np.exp(a).sum(1, keepdims=True), rtol=1e-5)


def test_shapes_dtypes_and_devices_are_fast_objects_that_behave_as_before():
    t = tg.arange(24).reshape(2, 3, 4)
    # One object per dtype and device, as in PyTorch (x.dtype is torch.float32).
    assert t.dtype is tg.int64 and tg.ones(1).dtype is tg.float32 and t.float().dtype is tg.float
    assert t.device is tg.ones(1).device and t.device == tg.device("cpu") and hash(t.dtype) == hash(tg.int64)
    assert pickle.loads(pickle.dumps(t.dtype)) == tg.int64 and pickle.loads(pickle.dumps(t.device)) == t.device
    # dtypes pickle by name, as PyTorch's: the same object comes back, by every protocol and copy
    for d in (tg.bool, tg.uint8, tg.int8, tg.int16, tg.int32, tg.int64, tg.float16, tg.bfloat16, tg.float32,
              tg.float64):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(d, protocol)) is d
        assert copy.copy(d) is d and copy.deepcopy(d) is d and copy.deepcopy([d])[0] is d
    # what earlier versions wrote (the dtype's code) still loads; a code no dtype has is refused
    old = b"\x80\x02ctapegrad._C\ndtype\nq\x00)\x81q\x01K%cb." % tg.float32.__getstate__()
    assert pickle.loads(old) == tg.float32
    with pytest.raises(ValueError, match="dtype: cannot unpickle 99: no dtype has that code"):
        pickle.loads(old.replace(b"K\x07", b"Kc"))
    # Size indexes in C: ints and negative ints give ints, slices give Sizes, errors are tuple's.
    s = t.shape
    assert s[0] == 2 and s[-1] == 4 and type(s[1]) is int
    assert type(s[1:]) is tg.Size and s[::-1] == (4, 3, 2) and type(s[::-1]) is tg.Size and s[5:] == ()
    with pytest.raises(IndexError):
        s[3]
    with pytest.raises(TypeError):
        s["a"]
    assert type(pickle.loads(pickle.dumps(s))) is tg.Size and pickle.loads(pickle.dumps(s)) == (2, 3, 4)
    assert tg.Size([5, 6])[1] == 6 and tg.Size() == () and t.size() == s and tg.tensor(1.0).shape == ()
    # torch.device of a device is that device; of an int, the accelerator's device of that index
    assert tg.device(t.device) == t.device and tg.device(tg.device("cuda", 1)) == tg.device("cuda:1")
    assert tg.device(0) == tg.device("cuda:0") and str(tg.device(2)) == "cuda:2"
    with pytest.raises(ValueError, match="device: index must be >= 0, got -1"):
        tg.device(-1)
    # linspace and logspace of one step are the start (torch's), not the end
    assert tg.linspace(-10, 10, steps=1).tolist() == [-10.0] and tg.logspace(2, 3, 1, base=2).tolist() == [4.0]
    # Strings convert to devices where a device is expected; a bad one names itself.
    assert t.to("cpu") is t and tg.zeros(2, device="cpu").device == t.device
    with pytest.raises(ValueError, match="cpux"):
        t.to("cpux")
    # Numbers still convert where a tensor is expected, strings do not.
    assert tg.add(tg.ones(2), 2).tolist() == [3.0, 3.0] and tg.maximum(tg.ones(2), tg.tensor(2.0)).tolist() == [2.0, 2.0]
    with pytest.raises(TypeError):
        tg.add(tg.ones(2), "a")
    # view and reshape take ints, one sequence of ints, or (view) a dtype; anything else is a TypeError.
    assert t.view(24).shape == (24,) and t.view(-1, 4).shape == (6, 4) and t.view((4, 6)).shape == (4, 6)
    assert t.view(tg.float64).dtype is tg.float64
    for bad in ("a", [2, "a"], 2.5):
        with pytest.raises(TypeError, match="view: expected ints or one sequence of ints"):
            t.view(bad)
    with pytest.raises(TypeError, match="reshape"):
        t.reshape("a")
    c = t.contiguous()
    assert c is t and t.transpose(0, 2).contiguous().is_contiguous()


def test_c_level_attributes_read_and_assign_as_pytorch_s():
    x = tg.arange(6.0).reshape(2, 3)
    assert x.shape == (2, 3) and type(x.shape) is tg.Size and x.ndim == 2 and x.dim() == 2 and x.ndimension() == 2
    assert x.numel() == 6 and x.nelement() == 6 and x.is_cpu and not x.is_cuda and x.is_leaf and x.grad_fn is None
    assert x.dtype is tg.float32 and x.device == tg.device("cpu") and x.grad is None and not x.requires_grad
    assert x.size() == (2, 3) and type(x.size()) is tg.Size and x.size(1) == 3 and x.size(-2) == 2
    assert x.size(dim=0) == 2 and x.size(np.int64(1)) == 3 and x.size(tg.tensor(1)) == 3
    assert x.stride() == (3, 1) and x.t().stride() == (1, 3) and x.stride(0) == 3 and x.stride(dim=-1) == 1
    with pytest.raises(IndexError, match="size"):
        x.size(2)
    with pytest.raises(TypeError, match="size\\(\\): argument 'dim' must be an int, not float"):
        x.size(1.0)
    with pytest.raises(TypeError, match="size\\(\\): takes at most one argument, dim"):
        x.size(0, 1)
    with pytest.raises(TypeError, match="stride\\(\\): takes at most one argument, dim"):
        x.stride(d=0)
    # assignment: a bool; a Tensor or None (del clears); a Tensor, each with PyTorch's error otherwise
    x.requires_grad = True
    assert x.requires_grad and (x * 2).grad_fn.name() == "MulBackward" and not (x * 2).is_leaf
    for bad in (1, None, "a", tg.tensor(True)):
        with pytest.raises(RuntimeError, match=f"requires_grad must be a bool, got .*{type(bad).__name__}"):
            x.requires_grad = bad
    with pytest.raises(AttributeError):
        del x.requires_grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
    x.grad = tg.ones(2, 3)
    assert x.grad.tolist() == [[1.0] * 3] * 2
    for bad in ([1.0, 2.0], 3):
        with pytest.raises(TypeError, match=f"assigned grad expected to be a Tensor or None but got grad of type {type(bad).__name__}"):
            x.grad = bad
    with pytest.raises(RuntimeError, match=r"set_grad: gradient has shape \[2\] but the tensor has shape \[2, 3\]"):
        x.grad = tg.ones(2)
    del x.grad
    assert x.grad is None
    x.grad = tg.zeros(2, 3)
    x.grad = None
    assert x.grad is None
    d = x.data
    assert not d.requires_grad and d.data_ptr() == x.data_ptr()
    x.data = tg.zeros(4)
    assert x.shape == (4,) and x.requires_grad and x.tolist() == [0.0] * 4
    with pytest.raises(TypeError, match="Tensor.data has to be a tensor, but got int"):
        x.data = 3
    # a Parameter (a Python subclass with a __dict__) reads them the same way
    p = tg.nn.Parameter(tg.ones(3))
    assert p.requires_grad and p.shape == (3,) and p.dtype is tg.float32 and p.dim() == 1
    # the functions behind them check what they are given
    with pytest.raises(TypeError, match="expected a Tensor, got int"):
        tg.Tensor.dtype.fget(3)
    with pytest.raises(TypeError):
        tg.Tensor.dim(3)
    for use in (lambda t: t.dtype, lambda t: t.dim(), lambda t: t.size(0), lambda t: t.grad):
        with pytest.raises(TypeError, match="made by __new__ without __init__"):
            use(tg.Tensor.__new__(tg.Tensor))
    # their docstrings carry the signature the type stubs are made from
    assert tg.Tensor.dtype.fget.__doc__ == "(arg0: tapegrad._C.Tensor) -> tapegrad._C.dtype\n"
    assert tg.Tensor.grad.fset.__doc__ == "(arg0: tapegrad._C.Tensor, arg1: tapegrad._C.Tensor | None) -> None\n"
    assert tg.Tensor.numel.__doc__.startswith("numel(self: tapegrad._C.Tensor) -> int")


def test_deprecated_transposes_of_0_dim_and_non_matrix_tensors_warn_as_pytorch_s():
    z = tg.tensor(2.0 + 1.0j)
    for name, conj in (("T", False), ("mT", False), ("mH", True), ("H", True)):
        with pytest.warns(UserWarning, match=f"Tensor.{name} is deprecated on 0-D tensors"):
            r = getattr(z, name)
        assert r.shape == () and r.item() == (2.0 - 1.0j if conj else 2.0 + 1.0j)
    with pytest.warns(UserWarning, match="adjoint\\(\\) is deprecated on 0-D tensors. Consider using x.conj"):
        assert z.adjoint().item() == 2.0 - 1.0j
    with pytest.warns(UserWarning, match="The use of `x.T` on tensors of dimension other than 2"):
        assert tg.ones(2, 3, 4).T.shape == (4, 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.ones(2, 3).T.shape == (3, 2) and tg.ones(2, 3, 4).mT.shape == (2, 4, 3)
    for name in ("mT", "mH", "adjoint"):
        with pytest.raises(RuntimeError, match=f"{name}: expects a tensor with at least 2 dims, got shape \\[3\\]"):
            getattr(tg.ones(3), name) if name != "adjoint" else tg.ones(3).adjoint()


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"])
def test_tolist_of_every_dtype_matches_numpy(dtype):
    base = np.array([[0.0, 1.0, -2.5], [3.25, 100.0, 0.1]])
    if dtype == "uint8":
        base = np.abs(base)
    x = tg.tensor(base.tolist()).to(getattr(tg, dtype))
    ref = x.float().numpy().astype({"bool": bool, "float16": np.float32, "bfloat16": np.float32}.get(dtype, dtype))
    for t, r in [(x, ref), (x.t(), ref.T), (x[1], ref[1]), (x[0, 1], ref[0, 1]), (x[:0], ref[:0])]:
        got = t.tolist()
        assert got == r.tolist()
        kind = bool if dtype == "bool" else float if "float" in dtype else int
        assert all(type(v) is kind for v in np.asarray(got, dtype=object).reshape(-1).tolist())
    assert tg.ones(2, requires_grad=True).tolist() == [1.0, 1.0] and tg.zeros(2, 0, 3).tolist() == [[], []]


def test_conversions():
    x = tg.tensor([1.7, -2.2])
    assert x.int().tolist() == [1, -2] and x.double().dtype == tg.float64 and x.half().dtype == tg.float16
    assert x.to(tg.int64).dtype == tg.int64 and x.to("cpu") is not None and x.to(dtype=tg.float64).dtype == tg.float64
    assert x.to(tg.ones(1, dtype=tg.float64)).dtype == tg.float64
    assert x.bfloat16().float().tolist() == pytest.approx([1.703125, -2.203125])
    c = x.clone()
    c.add_(1)
    assert x.tolist()[0] == pytest.approx(1.7)
    assert x.type() == "tapegrad.FloatTensor" and x.type(tg.float64).dtype == tg.float64
    d = tg.ones(2, dtype=tg.float64)
    assert d.new_zeros(3).dtype == tg.float64 and d.new_ones((2, 2)).sum().item() == 4
    assert d.new_full((2,), 7).tolist() == [7.0, 7.0] and d.new_tensor([1, 2]).dtype == tg.float64
    assert d.new_empty(4, dtype=tg.int32).dtype == tg.int32
    assert math.isclose(x.sum().item(), -0.5, rel_tol=1e-6)


def test_special_functions_against_math():
    xs = [0.3, 1.0, 2.5, 7.0]
    t = tg.tensor(xs, dtype=tg.float64)
    assert_close(tg.lgamma(t), [math.lgamma(x) for x in xs], rtol=1e-13)
    assert_close(t.erfc(), [math.erfc(x) for x in xs], rtol=1e-13)
    assert_close(tg.erfinv(tg.erf(t * 0.3)), (t * 0.3).numpy(), rtol=1e-13)
    assert_close(tg.digamma(tg.tensor([1.0], dtype=tg.float64)), [-0.5772156649015329], rtol=1e-13)
    assert_close(tg.polygamma(1, tg.tensor([1.0], dtype=tg.float64)), [math.pi ** 2 / 6], rtol=1e-13)
    with pytest.raises(ValueError, match="polygamma: the order n must be non-negative"):
        tg.polygamma(-1, t)


def test_composed_ops_against_numpy():
    m = np.random.randn(4, 6)
    t = tg.tensor(m.tolist(), dtype=tg.float64)
    for g, n in zip(tg.tensor_split(t, [1, 4], dim=1), np.split(m, [1, 4], axis=1)):
        assert_close(g, n)
    assert [p.shape for p in t.hsplit(3)] == [(4, 2)] * 3
    assert_close(tg.hstack([t, t]), np.hstack([m, m]))
    assert_close(tg.vstack([t[0], t[1]]), np.vstack([m[0], m[1]]))
    assert_close(tg.dstack([t, t]), np.dstack([m, m]))
    assert_close(tg.column_stack([t[:, 0], t]), np.column_stack([m[:, 0], m]))
    assert tg.atleast_3d(t).shape == np.atleast_3d(m).shape and len(tg.atleast_1d(t, t)) == 2
    assert_close(t.rot90(1), np.rot90(m))
    assert_close(t.fliplr(), np.fliplr(m))
    assert_close(tg.kron(t[:2, :2], t[:2, :3]), np.kron(m[:2, :2], m[:2, :3]))
    assert_close(t[0].diag_embed(1), np.diag(m[0], 1))
    assert_close(tg.block_diag(t[:1, :2], t[1])[1, 2:], m[1])
    assert tg.cartesian_prod(tg.arange(2), tg.arange(3)).shape == (6, 2)
    assert tg.combinations(tg.arange(4), 3).shape == (4, 3)
    idx = np.argsort(m, axis=1)
    assert_close(tg.take_along_dim(t, tg.tensor(idx.tolist()), 1), np.take_along_axis(m, idx, 1))
    assert tg.triu_indices(3, 3, 1).tolist() == [list(r) for r in np.triu_indices(3, 1, 3)]
    assert tg.tril_indices(3, 2, dtype=tg.int32).dtype == tg.int32
    assert_close(tg.vander(tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64), 3), np.vander([1.0, 2.0, 3.0], 3))
    assert_close(t.cov(), np.cov(m))
    assert_close(t.corrcoef(), np.corrcoef(m))
    assert tg.histc(tg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3).tolist() == [0, 2, 1, 0]
    assert tg.bincount(tg.tensor([0, 3, 3])).tolist() == np.bincount([0, 3, 3]).tolist()
    pts = np.random.randn(40, 2)
    hist, edges = tg.histogramdd(tg.tensor(pts.tolist(), dtype=tg.float64), [3, 4], range=[-1.0, 1.0, -2.0, 2.0])
    ref, ref_x, ref_y = np.histogram2d(pts[:, 0], pts[:, 1], [3, 4], range=[[-1.0, 1.0], [-2.0, 2.0]])
    assert_close(hist, ref)
    assert_close(edges[0], ref_x)
    assert_close(edges[1], ref_y)
    assert tg.isin(tg.tensor([1, 5, 2]), tg.tensor([2, 1])).tolist() == [True, False, True]
    values, counts = tg.unique_consecutive(tg.tensor([1, 1, 2, 1]), return_counts=True)
    assert values.tolist() == [1, 2, 1] and counts.tolist() == [2, 1, 1]
    assert_close(tg.trapezoid(t, dx=0.5), np.trapezoid(m, dx=0.5) if hasattr(np, "trapezoid") else np.trapz(m, dx=0.5))
    assert_close(tg.cdist(t, t[:2]), np.sqrt(((m[:, None] - m[None, :2]) ** 2).sum(-1)))
    assert tg.pdist(t).shape == (6,) and tg.nn.functional.pdist(t, 1).shape == (6,)
    assert_close(tg.xlogy(tg.tensor([0.0, 2.0]), 3.0), [0.0, 2 * math.log(3)])
    assert tg.signbit(tg.tensor([-0.0, 1.0])).tolist() == [True, False]
    assert_close(t.frac(), m - np.trunc(m))
    assert t.float_power(2).dtype == tg.float64
    with pytest.raises(ValueError, match="tensor_split: number of sections must be greater than 0"):
        tg.tensor_split(t, 0)
    with pytest.raises(ValueError, match="hsplit: the size 6 of dimension 1 is not divisible"):
        t.hsplit(4)
    with pytest.raises(TypeError, match="bincount: input must be an integer tensor"):
        tg.bincount(t[0])
    with pytest.raises(RuntimeError, match="cdist: x1 .* must have the same number of columns"):
        tg.cdist(t, t[:, :2])
    with pytest.raises(ValueError, match="x and dx cannot both be given"):
        tg.trapezoid(t, t[0], dx=1.0)


def test_printoptions_match_pytorch():
    torch = pytest.importorskip("torch")
    values = [[1.0, 2.555, -3.25], [1e-3, 40.0, 0.5]]
    settings = [dict(precision=2), dict(sci_mode=True), dict(sci_mode=False, precision=6), dict(profile="short"),
                dict(threshold=5, edgeitems=1), dict(linewidth=20), dict(profile="full"), dict(profile="default")]
    try:
        for kw in settings:
            tg.set_printoptions(**kw)
            torch.set_printoptions(**kw)
            for data in (values, [1e-5, 1.0], list(range(12)), [float(i) for i in range(2000)]):
                assert repr(tg.tensor(data)) == repr(torch.tensor(data)), kw
        assert tg.get_printoptions()["precision"] == 4
        tg.set_printoptions(threshold=float("inf"))
        assert "..." not in repr(tg.arange(3000)) and tg.get_printoptions()["threshold"] == float("inf")
    finally:
        tg.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    with pytest.raises(ValueError, match="profile must be 'default', 'short' or 'full', got 'long'"):
        tg.set_printoptions(profile="long")
    with pytest.raises(ValueError, match="precision must be in"):
        tg.set_printoptions(precision=-1)
    with pytest.raises(TypeError, match="linewidth must be an int, got str"):
        tg.set_printoptions(linewidth="80")
    assert tg.get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


def test_inplace_floor_division_remainder_and_rounded_div_():
    x = tg.tensor([7, -7])
    same = x
    x //= 2
    assert same is x and x.tolist() == [3, -4]
    x %= 3
    assert x.tolist() == [0, 2]
    f = tg.tensor([7.5, -7.5])
    assert f.div_(2, rounding_mode="floor") is f and f.tolist() == [3.0, -4.0]
    i = tg.tensor([7, -7])
    assert i.div_(2, rounding_mode="trunc").tolist() == [3, -3]
    with pytest.raises(TypeError, match="can't be cast"):
        i.div_(2.5, rounding_mode="trunc")
    h = tg.tensor([1.0, 2.0])
    h.__idiv__(2)
    assert h.tolist() == [0.5, 1.0]


def test_every_pickle_protocol():
    # Protocols 0 and 1 rebuilt pybind11 objects through copyreg._reconstructor, which aborted the
    # process; they take protocol 2's route now.
    t = tg.arange(6.0).reshape(2, 3).requires_grad_()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(t, protocol))
        assert back.tolist() == t.tolist() and back.requires_grad and back.dtype is tg.float32
        assert pickle.loads(pickle.dumps(tg.device("cpu"), protocol)) == tg.device("cpu")
        assert pickle.loads(pickle.dumps(tg.Size([2, 3]), protocol)) == (2, 3)
        # What does not pickle says so, by every protocol.
        with pytest.raises(TypeError, match="cannot pickle .*Generator"):
            pickle.dumps(tg.Generator(), protocol)
        with pytest.raises(TypeError, match="cannot pickle .*Linear"):
            pickle.dumps(tg.nn.Linear(2, 2), protocol)


def test_legacy_tensor_types():
    # torch's FloatTensor, LongTensor, ...: constructors of tensors of their dtype, not subclasses.
    assert tg.FloatTensor().shape == (0,) and tg.FloatTensor().dtype == tg.float32
    assert tg.FloatTensor(2, 3).shape == (2, 3) and tg.DoubleTensor(tg.Size([4])).shape == (4,)
    assert tg.LongTensor([1.7, 2]).tolist() == [1, 2] and tg.LongTensor((2, 3)).tolist() == [2, 3]
    assert tg.BoolTensor([1, 0]).tolist() == [True, False] and tg.ByteTensor(3).dtype == tg.uint8
    assert tg.HalfTensor.dtype == tg.float16 and tg.BFloat16Tensor([1.5]).dtype == tg.bfloat16
    assert tg.CharTensor.dtype == tg.int8 and tg.IntTensor.dtype == tg.int32
    x = tg.ones(2)
    same = tg.FloatTensor(x)
    assert same.data_ptr() == x.data_ptr()
    with pytest.raises(TypeError, match=r"FloatTensor\(tensor\): expected a tapegrad.float32 tensor on cpu, got tapegrad.float64"):
        tg.FloatTensor(tg.ones(2, dtype=tg.float64))
    with pytest.raises(TypeError, match=r"FloatTensor\(\): expected sizes"):
        tg.FloatTensor("a")
    assert isinstance(x, tg.FloatTensor) and not isinstance(x, tg.DoubleTensor)
    assert not isinstance(x, tg.cuda.FloatTensor) and not isinstance(3, tg.FloatTensor)
    assert not issubclass(tg.FloatTensor, tg.Tensor) and tg.cuda.FloatTensor.is_cuda and not tg.FloatTensor.is_cuda
    assert repr(tg.FloatTensor) == "<class 'tapegrad.FloatTensor'>"
    assert repr(tg.cuda.LongTensor) == "<class 'tapegrad.cuda.LongTensor'>"
    # Tensor.type: the name, or a conversion to a dtype, a legacy type or its name.
    assert x.type() == "tapegrad.FloatTensor" and tg.ones(1, dtype=tg.complex64).type() == "tapegrad.ComplexFloatTensor"
    assert x.type(tg.DoubleTensor).dtype == tg.float64 and x.type("torch.IntTensor").dtype == tg.int32
    assert x.type("tapegrad.LongTensor").dtype == tg.int64 and x.type(tg.float16).dtype == tg.float16
    assert x.type(x.type()) is x
    with pytest.raises(ValueError, match="invalid type: 'torch.float64'"):
        x.type("torch.float64")
    assert tg.typename(x) == "tapegrad.FloatTensor" and tg.typename(3) == "int"
    assert tg.typename(tg.nn.Linear) == "tapegrad._C.nn.Linear"
    # set_default_tensor_type: torch's deprecated set_default_dtype.
    try:
        with pytest.warns(UserWarning, match="deprecated"):
            tg.set_default_tensor_type(tg.DoubleTensor)
        assert tg.get_default_dtype() == tg.float64 and tg.ones(1).dtype == tg.float64
        with pytest.warns(UserWarning):
            tg.set_default_tensor_type("torch.FloatTensor")
        assert tg.get_default_dtype() == tg.float32
        with pytest.raises(TypeError, match="only floating-point types"), pytest.warns(UserWarning):
            tg.set_default_tensor_type(tg.LongTensor)
    finally:
        tg.set_default_dtype(tg.float32)


def test_torch_keyword_forms():
    x = tg.tensor([[1.5, -2.25], [3.0, 4.0]])
    # shapes as keywords, after the varargs forms
    assert x.view(size=(4,)).shape == (4,) and x.reshape(shape=(1, 4)).shape == (1, 4)
    assert x.permute(dims=(1, 0)).tolist() == x.t().tolist() and x.tile(dims=(2,)).shape == (2, 4)
    assert tg.ones(1, 2).expand(size=(3, 2)).shape == (3, 2) and x.repeat(repeats=(1, 2)).shape == (2, 4)
    assert tg.zeros(size=(2, 3)).shape == (2, 3) and tg.ones(size=[2], dtype=tg.int64).tolist() == [1, 1]
    assert tg.rand(size=(2,)).shape == (2,) and tg.empty(size=(0, 2)).shape == (0, 2)
    with pytest.raises(TypeError, match="zeros: got the size both as arguments and as size="):
        tg.zeros(2, size=(2,))
    # operands by torch's names
    assert tg.pow(x, exponent=2)[0].tolist() == [2.25, 5.0625] and x.pow(exponent=2).shape == (2, 2)
    idx = tg.tensor([[0, 1]])
    assert x.scatter(0, idx, value=9.0).tolist() == [[9.0, -2.25], [3.0, 9.0]]
    assert x.clone().scatter_(0, idx, value=tg.tensor(7.0)).tolist() == [[7.0, -2.25], [3.0, 7.0]]
    assert tg.ones(2, 3).scatter(0, idx, value=2.0, reduce="add")[0].tolist() == [3.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="scatter: expected src .* or value .*, not both"):
        x.scatter(0, idx, x, value=1.0)
    with pytest.raises(TypeError, match="got neither"):
        x.scatter(0, idx)
    with pytest.raises(TypeError, match="value must be a number, got list"):
        x.scatter(0, idx, value=[1.0])
    v = tg.tensor([1.0, 2.0, 3.0])
    assert tg.dot(v, tensor=v).item() == 14.0 and v.dot(tensor=v).item() == 14.0
    assert x.swapaxes(axis0=0, axis1=1).tolist() == x.t().tolist() and tg.swapdims(x, dim0=1, dim1=0).shape == (2, 2)
    assert [p.tolist() for p in v.split(split_size=2)] == [[1.0, 2.0], [3.0]]
    assert len(tg.split(tensor=v, split_size_or_sections=[1, 2])) == 2
    assert x.max(other=-x).tolist() == [[1.5, 2.25], [3.0, 4.0]] and tg.min(x, other=-x)[0].tolist() == [-1.5, -2.25]
    for name in ("new_zeros", "new_ones", "new_empty"):
        made = getattr(x, name)(size=(3,), dtype=tg.int64)
        assert made.shape == (3,) and made.dtype == tg.int64
    assert x.new_ones(size=[2]).tolist() == [1.0, 1.0] and x.new_zeros(2, 1).shape == (2, 1)
    assert v.clone().cumsum_(0, dtype=tg.float32).tolist() == [1.0, 3.0, 6.0]
    assert v.clone().cumprod_(dim=0, dtype=tg.float32).tolist() == [1.0, 2.0, 6.0]
    with pytest.raises(RuntimeError, match="cumsum_: dtype float64 differs from the tensor's float32"):
        v.clone().cumsum_(0, dtype=tg.float64)
    assert x.clone().divide_(tg.tensor(2.0), rounding_mode="floor").tolist() == [[0.0, -2.0], [1.0, 2.0]]
    assert x.clone().round_(decimals=1).tolist() == [[1.5, -2.200000047683716], [3.0, 4.0]]
    # memory_format on conversions applies to a converted copy; an unconverted tensor comes back as it is
    nhwc = tg.ones(2, 3, 4, 5).permute(0, 2, 3, 1)
    assert nhwc.float(memory_format=tg.contiguous_format) is nhwc
    assert nhwc.double(memory_format=tg.contiguous_format).is_contiguous()
    assert nhwc.cpu(memory_format=tg.contiguous_format) is nhwc
    if not tg.cuda.is_available():
        # the keyword is taken; the missing GPU (IndexError) or CUDA backend (RuntimeError) is the error
        with pytest.raises((IndexError, RuntimeError), match="cuda:0"):
            x.cuda(non_blocking=True)


def test_save_and_load_take_torch_keywords(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    tg.save({"w": tg.ones(2), "step": 3}, path, pickle_protocol=2, _use_new_zipfile_serialization=False)
    loaded = tg.load(path, map_location="cpu", weights_only=True, mmap=True)
    assert loaded["step"] == 3 and loaded["w"].tolist() == [1.0, 1.0]


def test_numpy_axis_and_keepdims_names():
    # torch takes NumPy's axis= and keepdims= for dim= and keepdim=
    x = tg.tensor([[1.5, -2.25], [3.0, 4.0]])
    assert x.sum(axis=0).tolist() == [4.5, 1.75] and tg.sum(x, axis=1).tolist() == [-0.75, 7.0]
    assert tg.mean(x, axis=0, keepdims=True).shape == (1, 2)
    assert x.max(axis=0)[0].tolist() == [3.0, 4.0] and tg.argmax(x, axis=1).tolist() == [0, 1]
    assert x.std(axis=1).shape == (2,) and x.cumsum(axis=0)[1].tolist() == [4.5, 1.75]
    assert (x > 0).all(axis=0).tolist() == [True, False] and tg.ones(1, 2).squeeze(axis=0).shape == (2,)
    assert tg.cat([x, x], axis=1).shape == (2, 4) and tg.concatenate([x, x], axis=0).shape == (4, 2)
    assert tg.stack([x, x], axis=2).shape == (2, 2, 2) and tg.var_mean(x, axis=0)[0].shape == (2,)
    # each name on its own, as torch takes them
    assert x.sum(axis=0, keepdim=True).shape == (1, 2) and tg.mean(x, dim=1, keepdims=True).shape == (2, 1)
    assert x.amax(axis=1, keepdim=True).tolist() == [[1.5], [4.0]]
    with pytest.raises(TypeError, match="incompatible function arguments"):
        x.sum(dim=0, axis=0)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        x.sum(0, keepdim=True, keepdims=True)


def test_dim_order_as_torch():
    # outermost to innermost in memory (the values are torch 2.15's)
    assert tg.empty(2, 3, 5, 7).dim_order() == (0, 1, 2, 3)
    assert tg.empty(2, 3, 5, 7).transpose(1, 2).dim_order() == (0, 2, 1, 3)
    assert tg.empty((2, 3, 5, 7), memory_format=tg.channels_last).dim_order() == (0, 2, 3, 1)
    assert tg.empty(2, 3, 4).permute(2, 0, 1).dim_order() == (1, 2, 0)
    assert tg.empty(1, 3, 1, 2).permute(0, 3, 2, 1).dim_order() == (0, 2, 3, 1)
    assert tg.ones(3).expand(2, 3).dim_order() == (0, 1) and tg.ones(()).dim_order() == ()
    ambiguous = tg.empty(1, 2, 3, 4)
    with pytest.raises(RuntimeError, match="does not have unique dim order"):
        ambiguous.dim_order(ambiguity_check=True)
    assert ambiguous.dim_order(ambiguity_check=[tg.contiguous_format, tg.channels_last]) == (0, 1, 2, 3)
    assert tg.empty(2, 3).dim_order(ambiguity_check=True) == (0, 1)
    with pytest.raises(TypeError, match="must be a bool or a list of memory formats"):
        ambiguous.dim_order(ambiguity_check="ILLEGAL")
