"""torch._foreach_*: one op over lists of tensors (EMA updates, hand-written optimizers)."""
import numpy as np
import pytest

import tapegrad as tg
from conftest import assert_close


def tensors():
    return [tg.tensor([1.0, -2.0]), tg.tensor([[0.5, 3.0], [4.0, -1.0]])]


def others():
    return [tg.tensor([2.0, 0.5]), tg.tensor([[1.0, 2.0], [-3.0, 0.25]])]


def test_unary_forms_return_a_tuple_and_update_in_place():
    out = tg._foreach_exp(tensors())
    assert isinstance(out, tuple) and len(out) == 2
    for o, t in zip(out, tensors()):
        assert_close(o, np.exp(np.asarray(t)))
    a = tensors()
    assert tg._foreach_neg_(a) is a and a[1].tolist() == [[-0.5, -3.0], [-4.0, 1.0]]
    assert [t.tolist() for t in tg._foreach_sign(tensors())] == [[1.0, -1.0], [[1.0, 1.0], [1.0, -1.0]]]


def test_binary_forms_take_a_number_a_list_or_one_tensor():
    a, b = tensors(), others()
    assert tg._foreach_add(a, 2.0)[0].tolist() == [3.0, 0.0]
    assert tg._foreach_add(a, b, alpha=3)[1].tolist() == [[3.5, 9.0], [-5.0, -0.25]]
    assert tg._foreach_mul(a, [2.0, 3.0])[1].tolist() == [[1.5, 9.0], [12.0, -3.0]]
    assert tg._foreach_div(a, tg.tensor(2.0))[0].tolist() == [0.5, -1.0]
    assert tg._foreach_maximum(a, 0.0)[0].tolist() == [1.0, 0.0]
    assert tg._foreach_minimum(a, b)[1].tolist() == [[0.5, 2.0], [-3.0, -1.0]]
    assert tg._foreach_clamp_max(a, [0.0, 1.0])[1].tolist() == [[0.5, 1.0], [1.0, -1.0]]
    assert tg._foreach_pow(2.0, a)[0].tolist() == [2.0, 0.25]
    assert tg._foreach_add([tg.tensor([1, 2])], 1.5)[0].dtype == tg.float32  # as add's promotion
    tg._foreach_sub_(a, b, alpha=0.5)
    assert a[0].tolist() == [0.0, -2.25]


def test_pointwise_lerp_and_reductions():
    a, b = tensors(), others()
    assert tg._foreach_addcmul(a, b, b, 0.5)[0].tolist() == [3.0, -1.875]
    assert tg._foreach_addcdiv(a, b, b, tg.tensor([1.0, 2.0]))[1].tolist() == [[2.5, 5.0], [6.0, 1.0]]
    ema = tensors()
    assert tg._foreach_lerp_(ema, b, 0.25) is ema and ema[0].tolist() == [1.25, -1.375]
    assert tg._foreach_lerp(a, b, b)[0].tolist() == [3.0, -0.75]
    assert [n.item() for n in tg._foreach_norm(a, 1)] == [3.0, 8.5]
    assert tg._foreach_norm(a, dtype=tg.float64)[0].dtype == tg.float64
    assert [m.item() for m in tg._foreach_max(a)] == [1.0, 4.0]
    assert [p.item() for p in tg._foreach_powsum(a, 2)] == [5.0, 26.25]
    assert tg._foreach_mm([tg.ones(2, 2)], [tg.eye(2) * 3])[0].tolist() == [[3.0, 3.0], [3.0, 3.0]]
    c = tg._foreach_clone(a)
    tg._foreach_zero_(a)
    assert a[0].tolist() == [0.0, 0.0] and c[0].tolist() == [1.0, -2.0]
    tg._foreach_copy_(a, b)
    assert tg.equal(a[1], b[1])


def test_gradients_flow_through_the_out_of_place_forms():
    x = [tg.ones(2, requires_grad=True), tg.ones(3, requires_grad=True)]
    y = tg._foreach_mul(x, [2.0, 3.0])
    (y[0].sum() + y[1].sum()).backward()
    assert x[0].grad.tolist() == [2.0, 2.0] and x[1].grad.tolist() == [3.0] * 3


def test_errors_name_the_function():
    a = tensors()
    with pytest.raises(RuntimeError, match="_foreach_add: Tensor lists must have the same number of tensors, got 2 and 1"):
        tg._foreach_add(a, [tg.ones(2)])
    with pytest.raises(RuntimeError, match="at least one tensor"):
        tg._foreach_add([], 1)
    with pytest.raises(RuntimeError, match="same number of scalars, got 2 and 3"):
        tg._foreach_addcmul(a, a, a, [1, 2, 3])
    with pytest.raises(RuntimeError, match="add: shapes \[2\] and \[3\] are not broadcastable"):
        tg._foreach_add(a, [tg.ones(3), tg.ones(3)])
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'"):
        tg._foreach_mul(a, 2, alpha=2)
    with pytest.raises(TypeError, match="expected a list or tuple of tensors, got Tensor"):
        tg._foreach_exp(tg.ones(2))
    with pytest.raises(TypeError, match="expected a list of tensors, found int"):
        tg._foreach_exp([1, 2])
    with pytest.raises(TypeError, match="expected a number, a tensor or a list of them, got str"):
        tg._foreach_add(a, "x")
    with pytest.raises(RuntimeError, match="one per tensor"):
        tg._foreach_addcdiv(a, a, a, tg.ones(3))
