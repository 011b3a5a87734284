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


def test_gradient_edges_in_grad():
    from tapegrad.autograd.graph import GradientEdge, get_gradient_edge
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    y = x * 2
    before = get_gradient_edge(y)
    assert isinstance(before, GradientEdge) and before.node is not None and before.output_nr == 0
    assert before.node.name() == y.grad_fn.name()
    y.mul_(3)  # a new grad_fn for y; the edge stays on the first product
    loss = (y * y).sum()
    g_before, g_after, g_x = tg.autograd.grad(loss, (before, y, get_gradient_edge(x)), retain_graph=True)
    assert g_before.tolist() == [36, 72] and g_after.tolist() == [12, 24] and g_x.tolist() == [72, 144]
    assert get_gradient_edge(x).node.name() == "AccumulateGrad"
    # An edge as the output, with its gradient; a single edge as the input.
    (g,) = tg.autograd.grad(get_gradient_edge(loss), before, grad_outputs=tg.ones_like(loss))
    assert g.tolist() == [36, 72]
    # Batched gradients through edges.
    z = x * x
    (jac,) = tg.autograd.grad(get_gradient_edge(z), get_gradient_edge(x), grad_outputs=tg.eye(2, dtype=tg.float64),
                              is_grads_batched=True)
    assert jac.tolist() == [[2, 0], [0, 4]]


def test_gradient_edge_errors():
    from tapegrad.autograd.graph import get_gradient_edge
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    out = (x * x).sum()
    with pytest.raises(RuntimeError, match=r"get_gradient_edge: the tensor \(shape \[2\], float32\) does not require"):
        get_gradient_edge(tg.ones(2))
    with pytest.raises(RuntimeError, match="output 0 is a GradientEdge, whose grad_output must be given"):
        tg.autograd.grad(get_gradient_edge(out), x)
    with pytest.raises(RuntimeError, match=r"is \[2\] on cpu, but that output is \[\] on cpu"):
        tg.autograd.grad(get_gradient_edge(out), x, grad_outputs=tg.ones(2))
    unused = tg.tensor([3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input edge 0 \(AccumulateGrad, output 0\) was not used"):
        tg.autograd.grad(out, get_gradient_edge(unused), retain_graph=True)
    assert tg.autograd.grad(out, get_gradient_edge(unused), retain_graph=True, allow_unused=True) == (None,)
    with pytest.raises(RuntimeError, match="materialize_grads cannot be used when the given input is a GradientEdge"):
        tg.autograd.grad(out, get_gradient_edge(unused), materialize_grads=True)


def test_gradient_edges_match_torch():
    torch = pytest.importorskip("torch")
    from torch.autograd.graph import get_gradient_edge as t_edge
    from tapegrad.autograd.graph import get_gradient_edge as g_edge
    results = []
    for lib, edge in ((torch, t_edge), (tg, g_edge)):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        h = x.sin()
        e = edge(h)
        h.mul_(x)
        loss = (h.exp() * x).sum()
        results.append([g.tolist() for g in lib.autograd.grad(loss, (e, h, x))])
    np.testing.assert_allclose(np.array(results[1]), np.array(results[0]), rtol=1e-12)


def test_increment_version_makes_saved_tensors_stale():
    from tapegrad.autograd.graph import increment_version
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = (h * h).sum()  # saves h
    v = h._version
    h.detach().numpy()[0] = 5.0  # a write the tape cannot see
    increment_version(h)
    assert h._version == v + 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    increment_version([x, h])
    assert h._version == v + 2


def _mutated_after_save(lib, ctx_fn):
    x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
    with ctx_fn():
        h = x.sin()
        y = (h * h.exp()).sum()  # saves h and exp(h)
        h.mul_(3)  # changed after it was saved
        z = (h * x).sum()
        (gx,) = lib.autograd.grad(y + z, x, create_graph=True)
        (gg,) = lib.autograd.grad(gx.sum(), x)
    return gx.tolist(), gg.tolist()


def test_allow_mutation_on_saved_tensors():
    from tapegrad.autograd.graph import allow_mutation_on_saved_tensors
    x = tg.tensor([0.5, -1.0, 2.0], dtype=tg.float64, requires_grad=True)
    h = x.sin()
    y = (h * h).sum()
    h.mul_(2)  # outside the context this is still caught
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    gx, gg = _mutated_after_save(tg, allow_mutation_on_saved_tensors)
    # By hand: y = sum s e^s with s = sin x (as saved), z = sum 3 s x.
    s, c = np.sin([0.5, -1.0, 2.0]), np.cos([0.5, -1.0, 2.0])
    dy = (1 + s) * np.exp(s) * c
    np.testing.assert_allclose(gx, dy + 3 * c * np.array([0.5, -1.0, 2.0]) + 3 * s, rtol=1e-12)
    # Backward of a graph recorded in the context must run inside it.
    with allow_mutation_on_saved_tensors():
        y = (x.exp() * x).sum()
    with pytest.raises(RuntimeError, match="outside of the 'allow_mutation_on_saved_tensors' context"):
        y.backward()


def test_allow_mutation_on_saved_tensors_matches_torch():
    torch = pytest.importorskip("torch")
    from tapegrad.autograd.graph import allow_mutation_on_saved_tensors
    want = _mutated_after_save(torch, torch.autograd.graph.allow_mutation_on_saved_tensors)
    got = _mutated_after_save(tg, allow_mutation_on_saved_tensors)
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-12)
