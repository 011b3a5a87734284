"""tg.autograd.graph: saved-tensor hooks, save_on_cpu, disable_saved_tensors_hooks, a node's own
hooks and register_multi_grad_hook, checked against the same computation without hooks."""
import numpy as np
import pytest

import tapegrad as tg
from tapegrad.autograd.graph import (disable_saved_tensors_hooks, register_multi_grad_hook, save_on_cpu,
                                     saved_tensors_hooks)


def model(w):
    m = w.reshape(2, 3)
    return (tg.tanh(m @ m.t()) * m.sum(1).exp()).sum()


def reference_grad(values):
    w = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    model(w).backward()
    return w.grad.tolist()


VALUES = [0.5, -1.0, 0.25, 2.0, -0.75, 1.5]


def test_pack_to_any_object_and_unpack():
    packed, unpacked = [], []

    def pack(t):
        packed.append(t.shape)
        return ("numpy", t.detach().numpy().copy(), t.dtype)  # nothing of the tensor kept

    def unpack(p):
        unpacked.append(p[1].shape)
        return tg.tensor(p[1], dtype=p[2])

    w = tg.tensor(VALUES, dtype=tg.float64, requires_grad=True)
    with saved_tensors_hooks(pack, unpack):
        y = model(w)
    assert packed and not unpacked
    y.backward()
    assert len(unpacked) == len(packed)
    assert np.allclose(w.grad.tolist(), reference_grad(VALUES), rtol=1e-12)


def test_double_backward_through_unpacked_tensors():
    x = tg.tensor([0.5, -2.0], dtype=tg.float64, requires_grad=True)
    with saved_tensors_hooks(lambda t: t.detach().clone(), lambda p: p):
        (g,) = tg.autograd.grad((x.sin() * x * x).sum(), [x], create_graph=True)
        (gg,) = tg.autograd.grad(g.sum(), [x])
    v = np.array([0.5, -2.0])
    expected = -np.sin(v) * v * v + 4 * np.cos(v) * v + 2 * np.sin(v)
    assert np.allclose(gg.tolist(), expected, rtol=1e-12)


def test_innermost_hooks_apply_and_errors():
    calls = []
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with saved_tensors_hooks(lambda t: calls.append("outer") or t, lambda p: p):
        with saved_tensors_hooks(lambda t: calls.append("inner") or t, lambda p: p):
            x.sin()
        x.cos()
    assert calls == ["inner", "outer"]
    with saved_tensors_hooks(lambda t: t, lambda p: "not a tensor"):
        y = x.exp().sum()
    with pytest.raises(TypeError, match="unpack hook must return a Tensor, got str"):
        y.backward()
    with saved_tensors_hooks(lambda t: t, lambda p: tg.zeros(5)):
        y = x.sin().sum()
    with pytest.raises(RuntimeError, match=r"SinBackward: the saved-tensor unpack hook returned a float32 \[5\]"):
        y.backward()

    def failing_pack(t):
        raise ValueError("cannot pack this one")

    with saved_tensors_hooks(failing_pack, lambda p: p):
        with pytest.raises(ValueError, match="cannot pack this one"):
            x.sin()


def test_save_on_cpu_and_disabling():
    w = tg.tensor(VALUES, dtype=tg.float64, requires_grad=True)
    for pin in (False, True):  # pinning is skipped where there is no GPU
        w.grad = None
        with save_on_cpu(pin_memory=pin):
            model(w).backward()
        assert w.grad.tolist() == reference_grad(VALUES)
    with disable_saved_tensors_hooks("no hooks inside this block"):
        assert not tg._C.autograd._saved_tensors_hooks_active()
        with pytest.raises(RuntimeError, match="no hooks inside this block"):
            with saved_tensors_hooks(lambda t: t, lambda p: p):
                pass
        with pytest.raises(RuntimeError, match="no hooks inside this block"):
            with save_on_cpu():
                pass
    with saved_tensors_hooks(lambda t: t, lambda p: p):
        assert tg._C.autograd._saved_tensors_hooks_active()
        with disable_saved_tensors_hooks("off"):
            assert not tg._C.autograd._saved_tensors_hooks_active()
        assert tg._C.autograd._saved_tensors_hooks_active()
    assert not tg._C.autograd._saved_tensors_hooks_active()
    with pytest.raises(ValueError, match="device_type"):
        save_on_cpu(device_type="tpu")


def test_node_hooks():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    seen = {}

    def pre(grad_outputs):
        seen["pre"] = [g.tolist() for g in grad_outputs]
        return (grad_outputs[0] * 10,)

    def post(grad_inputs, grad_outputs):
        seen["post"] = ([g.tolist() for g in grad_inputs], [g.tolist() for g in grad_outputs])

    h1 = y.grad_fn.register_prehook(pre)
    h2 = y.grad_fn.register_hook(post)
    y.sum().backward(retain_graph=True)
    assert seen["pre"] == [[1.0, 1.0]]
    assert seen["post"] == ([[10.0, 20.0], [10.0, 20.0]], [[10.0, 10.0]])
    assert x.grad.tolist() == [20.0, 40.0]
    h1.remove()
    h2.remove()
    x.grad = None
    seen.clear()
    y.grad_fn.register_hook(lambda gi, go: tuple(g + 1 for g in gi))
    y.sum().backward(retain_graph=True)
    assert x.grad.tolist() == [2 * (1 + 1), 2 * (2 + 1)] and not seen
    y.grad_fn.register_prehook(lambda go: go[0])
    with pytest.raises(TypeError, match="must return None or a tuple"):
        y.sum().backward(retain_graph=True)


def test_multi_grad_hook():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([2.0], requires_grad=True)
    c = tg.tensor([3.0], requires_grad=True)
    got = []
    handle = register_multi_grad_hook((a, b, c), lambda grads: got.append(
        [None if g is None else g.tolist() for g in grads]))
    (a * 2 + b * 3 + c * 4).sum().backward()
    assert got == [[[2.0], [3.0], [4.0]]]
    (a * 5 + b).sum().backward()  # c gets no gradient in this pass: fn runs once a's and b's are in
    assert got[1] == [[5.0], [1.0], None]
    handle.remove()
    (a * b * c).sum().backward()
    assert len(got) == 2

    first = []
    with register_multi_grad_hook((a, b), lambda g: first.append(g.tolist()), mode="any"):
        (a * 7 + b * 8).sum().backward()
        (b * 9).sum().backward()
    assert len(first) == 2 and first[1] == [9.0]
    with pytest.raises(ValueError, match="mode"):
        register_multi_grad_hook((a,), print, mode="some")
    with pytest.raises(RuntimeError, match="does not require grad"):
        register_multi_grad_hook((tg.ones(1),), print)
