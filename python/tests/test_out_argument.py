"""torch's out= keyword (tapegrad/_out.py): values written into out, which is returned; dtype,
device, shape and autograd rules as PyTorch's, each error naming the op; compared with torch when
it is installed."""
import warnings

import pytest

import tapegrad as tg


def test_out_receives_the_result_and_is_returned():
    a, b = tg.arange(6.0).reshape(2, 3), tg.ones(2, 3)
    out = tg.empty(2, 3)
    assert tg.add(a, b, alpha=2, out=out) is out
    assert out.tolist() == (a + 2 * b).tolist()
    assert tg.exp(a, out=out) is out and tg.allclose(out, a.exp())
    s = tg.empty(3)
    assert tg.sum(a, 0, out=s) is s and s.tolist() == [3.0, 5.0, 7.0]
    m = tg.empty(2, 2)
    assert tg.matmul(a, a.t(), out=m) is m and tg.allclose(m, a @ a.t())
    c = tg.empty(4, 3)
    assert tg.cat([a, b], out=c) is c and c[2:].tolist() == b.tolist()
    w = tg.empty(2, 3)
    assert tg.where(a > 2, a, b, out=w) is w and w.tolist() == [[1, 1, 1], [3, 4, 5]]
    assert tg.special.erfcx(a, out=w) is w and tg.allclose(w, tg.special.erfcx(a))
    n = tg.empty(())
    assert tg.linalg.norm(a, out=n) is n and abs(n.item() - a.norm().item()) < 1e-6


def test_out_may_be_an_input_and_a_strided_view():
    x = tg.arange(4.0)
    version = x._version
    tg.mul(x, x, out=x)
    assert x.tolist() == [0, 1, 4, 9] and x._version > version
    base = tg.zeros(2, 4)
    tg.neg(tg.ones(2, 2), out=base[:, ::2])
    assert base.tolist() == [[-1, 0, -1, 0], [-1, 0, -1, 0]]


def test_an_out_whose_elements_share_memory_is_refused():
    with pytest.raises(RuntimeError, match="copy_: the tensor .* has elements that share memory"):
        tg.add(tg.ones(3), tg.arange(3.0), out=tg.zeros(1).expand(3))


def test_results_cast_into_out_only_safely():
    ints = tg.tensor([1, 2, 3])
    f = tg.empty(3)
    tg.add(ints, ints, out=f)  # int64 into float32: fine
    assert f.dtype == tg.float32 and f.tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(RuntimeError, match=r"add\(\): result type Float can't be cast to the desired output type Long"):
        tg.add(tg.ones(3), 1, out=tg.empty(3, dtype=tg.int64))
    with pytest.raises(RuntimeError, match=r"sqrt\(\).*Float.*Int"):
        tg.sqrt(tg.ones(3), out=tg.empty(3, dtype=tg.int32))


def test_out_of_another_shape_is_resized_with_a_warning_when_it_held_elements():
    out = tg.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.add(tg.ones(2, 2), 1, out=out)
    assert out.shape == (2, 2) and out.tolist() == [[2, 2], [2, 2]]
    out = tg.empty(5)
    with pytest.warns(UserWarning, match=r"add\(\): an output with one or more elements was resized since it had "
                                         r"shape \[5\], which does not match the required output shape \[2, 2\]"):
        tg.add(tg.ones(2, 2), 1, out=out)
    assert out.shape == (2, 2)


def test_several_results_take_a_tuple():
    x = tg.tensor([[1.0, 5.0], [7.0, 3.0]])
    values, indices = tg.empty(2), tg.empty(2, dtype=tg.int64)
    r = tg.max(x, 1, out=(values, indices))
    assert r.values is values and r.indices is indices
    assert values.tolist() == [5, 7] and indices.tolist() == [1, 0]
    v, i = tg.sort(x, 1, out=[tg.empty(2, 2), tg.empty(2, 2, dtype=tg.int64)])
    assert v.tolist() == [[1, 5], [3, 7]] and i.tolist() == [[0, 1], [1, 0]]
    with pytest.raises(TypeError, match=r"max\(\): argument 'out' must be a tuple of 2 Tensors"):
        tg.max(x, 1, out=values)
    with pytest.raises(TypeError, match=r"exp\(\): argument 'out' must be Tensor, not list"):
        tg.exp(x, out=[values])
    with pytest.raises(RuntimeError, match=r"max\(\): result type Float can't be cast to the desired output type Long"):
        tg.max(x, 1, out=(indices, indices))


def test_autograd_refuses_out_while_recording():
    x = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul\(\): functions with out=\.\.\. arguments don't support automatic "
                                           r"differentiation, but one of the arguments requires grad"):
        tg.mul(x, 2, out=tg.empty(3))
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        tg.add(tg.ones(3), 1, out=tg.empty(3, requires_grad=True))
    with tg.no_grad():
        out = tg.empty(3)
        tg.mul(x, 2, out=out)
    assert out.tolist() == [2, 2, 2] and not out.requires_grad
    tg.argmax(x, out=tg.empty((), dtype=tg.int64))  # no gradient, so no objection


def test_factories_make_outs_dtype():
    out = tg.empty(3, dtype=tg.int64)
    assert tg.zeros(3, out=out) is out and out.dtype == tg.int64
    r = tg.empty(0, dtype=tg.int32)
    tg.arange(5, out=r)
    assert r.dtype == tg.int32 and r.tolist() == [0, 1, 2, 3, 4]
    tg.linspace(0, 1, 3, out=tg.empty(3, dtype=tg.float64))


def test_functions_without_a_tensor_result_refuse_out():
    with pytest.raises(TypeError, match=r"equal\(\) got an unexpected keyword argument 'out'"):
        tg.equal(tg.ones(2), tg.ones(2), out=tg.empty(()))
    with pytest.raises(TypeError, match=r"chunk\(\) got an unexpected keyword argument 'out'"):
        tg.chunk(tg.ones(4), 2, out=tg.empty(2))


def test_the_wrapped_functions_read_as_before():
    assert tg.add.__name__ == "add" and tg.add.__doc__ == tg.add.__wrapped__.__doc__
    assert repr(tg.add) == repr(tg.add.__wrapped__)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        tg.exp("x")
    with pytest.raises(TypeError, match="incompatible function arguments"):
        tg.exp("x", out=tg.empty(1))


@pytest.mark.skipif(not tg.cuda.is_available(), reason="needs a CUDA device")
def test_out_on_another_device_is_refused():
    with pytest.raises(RuntimeError, match=r"add\(\): expected out tensor to have device cpu, but got cuda:0"):
        tg.add(tg.ones(2), 1, out=tg.empty(2, device="cuda"))


def test_against_torch():
    torch = pytest.importorskip("torch")
    for lib in (tg, torch):
        a = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
        out = lib.empty(2, 3)
        lib.addcmul(a, a, a, value=0.5, out=out)
        lib.clamp(out, -1, 2, out=out)
        s = lib.empty(0)
        lib.mean(a, 1, keepdim=True, out=s)
        v, i = lib.empty(0), lib.empty(0, dtype=lib.int64)
        lib.topk(a.flatten(), 2, out=(v, i))
        got = (out.tolist(), s.flatten().tolist(), v.tolist(), i.tolist(), tuple(s.shape))
        if lib is tg:
            ours = got
    assert ours[0] == got[0] and ours[2:] == got[2:]
    assert ours[1] == pytest.approx(got[1], rel=1e-6)
