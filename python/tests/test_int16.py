"""int16 (torch.short) tensors: made, converted, computed and stored as PyTorch's."""
import io

import numpy as np
import pytest

import tapegrad as tg

torch = pytest.importorskip("torch")


def both(values, dtype="int16"):
    return tg.tensor(values, dtype=getattr(tg, dtype)), torch.tensor(values, dtype=getattr(torch, dtype))


def same(ours, theirs):
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert ours.tolist() == theirs.tolist()


def test_names_conversions_and_interop():
    assert tg.int16 is tg.short and tg.int16.itemsize == 2 and not tg.int16.is_floating_point
    assert str(tg.int16) == "tapegrad.int16"
    info = tg.iinfo(tg.int16)
    assert (info.bits, info.min, info.max) == (16, -32768, 32767)
    x = tg.tensor([1.7, -2.5, 40000.0]).short()
    assert x.dtype == tg.int16 and x.element_size() == 2
    assert x[:2].tolist() == [1, -2]
    assert isinstance(tg.ShortTensor([1, 2]), tg.ShortTensor) and tg.ShortTensor([1]).type() == "tapegrad.ShortTensor"
    a = np.array([[1, -2], [300, -32768]], np.int16)
    t = tg.from_numpy(a)
    assert t.dtype == tg.int16 and t.tolist() == a.tolist()
    assert t.numpy().dtype == np.int16 and np.array_equal(np.asarray(t), a)
    p = torch.from_dlpack(t)
    assert p.dtype == torch.int16 and p.tolist() == a.tolist()
    assert tg.from_dlpack(torch.tensor([5, -6], dtype=torch.int16)).dtype == tg.int16
    buf = io.BytesIO()
    tg.save({"w": t}, buf)
    buf.seek(0)
    assert tg.equal(tg.load(buf)["w"], t)
    st = pytest.importorskip("safetensors.torch")
    back = st.load(tg.save_to_bytes({"w": t}))["w"]
    assert back.dtype == torch.int16 and back.tolist() == a.tolist()


def test_promotion_matches_torch():
    for other in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "complex64"):
        ours = tg.promote_types(tg.int16, getattr(tg, other))
        theirs = torch.promote_types(torch.int16, getattr(torch, other))
        assert str(ours).split(".")[1] == str(theirs).split(".")[1], other
    assert tg.promote_types(tg.uint8, tg.int8) == tg.int16  # as torch's
    x, p = both([3, -4])
    same(x * 2, p * 2)
    same(x * 2.5, p * 2.5)
    same(x + tg.tensor([1], dtype=tg.uint8), p + torch.tensor([1], dtype=torch.uint8))


def test_ops_match_torch():
    rng = np.random.default_rng(0)
    values = rng.integers(-300, 300, (4, 6)).tolist()
    x, p = both(values)
    y, q = both(rng.integers(1, 50, (4, 6)).tolist())
    for f in (lambda m, a, b: a + b, lambda m, a, b: a - b, lambda m, a, b: a * b, lambda m, a, b: a // b,
              lambda m, a, b: a % b, lambda m, a, b: a / b, lambda m, a, b: a & b, lambda m, a, b: a | b,
              lambda m, a, b: a ^ b, lambda m, a, b: a << 2, lambda m, a, b: a >> 1, lambda m, a, b: ~a,
              lambda m, a, b: -a, lambda m, a, b: a.abs(), lambda m, a, b: a.sign(), lambda m, a, b: a < b,
              lambda m, a, b: a == b, lambda m, a, b: m.maximum(a, b), lambda m, a, b: a.clamp(-100, 100),
              lambda m, a, b: m.where(a > 0, a, b), lambda m, a, b: a.sum(), lambda m, a, b: a.sum(1),
              lambda m, a, b: a.prod(0), lambda m, a, b: a.amax(1), lambda m, a, b: a.min(),
              lambda m, a, b: a.argmax(1), lambda m, a, b: a.cumsum(1), lambda m, a, b: a.sort(1)[0],
              lambda m, a, b: a.topk(2, 1)[0], lambda m, a, b: a.t().contiguous(), lambda m, a, b: a[:, ::2],
              lambda m, a, b: a.gather(1, m.tensor([[0, 2]] * 4)), lambda m, a, b: m.cat([a, b]),
              lambda m, a, b: a.index_select(0, m.tensor([3, 0])), lambda m, a, b: a.float(),
              lambda m, a, b: a.to(m.int8), lambda m, a, b: a.unique(),
              lambda m, a, b: m.zeros_like(a).scatter_add_(1, m.tensor([[0, 1]] * 4), b),
              lambda m, a, b: a.masked_fill(a < 0, 7), lambda m, a, b: m.matmul(a.float(), b.float().t()),
              lambda m, a, b: a.pow(2), lambda m, a, b: a.mean(dtype=m.float32), lambda m, a, b: m.arange(5, dtype=m.int16)):
        same(f(tg, x, y), f(torch, p, q))
    same(tg.full((2,), 7, dtype=tg.int16), torch.full((2,), 7, dtype=torch.int16))
    r = tg.randint(-5, 5, (100,), dtype=tg.int16)
    assert r.dtype == tg.int16 and -5 <= r.min().item() and r.max().item() < 5
    assert tg.empty(3, dtype=tg.int16).random_().min().item() >= 0
    assert str(x[0, :2]).startswith("tensor([") and "dtype=int16" in repr(x[0, :2])


def test_no_gradient_and_wraps_like_torch():
    with pytest.raises(TypeError, match="only floating-point and complex tensors can require gradients, got dtype int16"):
        tg.ones(2, dtype=tg.int16).requires_grad_()
    x, p = both([32767, -32768])
    same(x + 1, p + 1)  # wraps, as C's int16 arithmetic in PyTorch


def test_numpy_scalars_keep_their_dtype_as_in_torch():
    for value in (np.float64(1.5), np.float32(2.5), np.float16(1.5), np.int8(-3), np.int16(300), np.uint8(7),
                  np.int32(5), np.int64(6), np.complex128(1j), np.complex64(2j), np.bool_(True)):
        ours, theirs = tg.tensor(value), torch.tensor(value)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1], type(value)
        assert ours.dim() == 0 and ours.item() == theirs.item()
    assert tg.tensor(np.float64(1.5), dtype=tg.float32).dtype == tg.float32
    assert tg.tensor(np.uint32(4)).dtype == tg.int64  # no uint32 here: as a Python int
    assert (tg.ones(2) + np.float64(1.5)).dtype == tg.float32  # as a number in arithmetic, as torch


def test_lists_of_numpy_scalars_and_tensors_infer_the_promoted_dtype_as_torch():
    # torch.tensor promotes its elements' types: a Python float is the default dtype, a NumPy
    # scalar or a one-element tensor its own.
    cases = [[np.float64(1.0), np.float64(2.0)], [np.float32(1)], [np.int32(1), np.int32(2)], [np.float32(1), 2.0],
             [1.0, np.float64(2)], [np.int16(1), 2], [np.int32(1), np.float32(2.0)],
             [[np.float64(1.0)], [np.float64(2.0)]], [np.bool_(True), np.bool_(False)], [np.uint8(3)],
             [np.float16(1.0)], [np.int64(1), 2.5], [np.float64(1.0), np.float32(2.0)], [np.complex64(1)],
             [np.int8(1), np.uint8(1)], [np.float64(2), np.int64(1)], [True, 2], [1, 2.5], [1j, np.float64(1)],
             [(np.int16(1), np.int16(2)), (np.int16(3), np.int16(4))], []]
    for case in cases:
        ours, theirs = tg.tensor(case), torch.tensor(case)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1], case
        np.testing.assert_array_equal(ours.tolist(), theirs.tolist())
    for dtype in ("int32", "float64", "int8"):
        ours = tg.tensor([tg.tensor(1, dtype=getattr(tg, dtype)), 2])
        theirs = torch.tensor([torch.tensor(1, dtype=getattr(torch, dtype)), 2])
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1], dtype
    assert tg.tensor([np.float64(1.5)], dtype=tg.float32).dtype == tg.float32
    assert tg.tensor([np.int16(7)], dtype=tg.float64).tolist() == [7.0]


def test_dtype_attributes_as_torch():
    for name in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
                 "complex64", "complex128"):
        ours, theirs = getattr(tg, name), getattr(torch, name)
        assert (ours.abbr, ours.is_signed, ours.itemsize, ours.is_floating_point, ours.is_complex) == \
            (theirs.abbr, theirs.is_signed, theirs.itemsize, theirs.is_floating_point, theirs.is_complex), name
        assert str(ours.to_real()).split(".")[1] == str(theirs.to_real()).split(".")[1], name
        if name in ("float32", "float64", "complex64", "complex128"):
            assert str(ours.to_complex()).split(".")[1] == str(theirs.to_complex()).split(".")[1], name
        else:  # integers fail in torch too; the 16-bit floats would need complex32, which tapegrad lacks
            with pytest.raises(TypeError, match=f"no complex dtype with {name} parts"):
                ours.to_complex()
