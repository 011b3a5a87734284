"""Autograd from Python: backward, grad, grad mode, hooks, custom Functions, gradcheck, anomaly
mode naming the Python line, the printed tape, the step-through backward and the GIL."""
import sys
import threading
import time

import numpy as np
import pytest

import tapegrad as tg
from conftest import assert_close


def test_backward_and_grad():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0] and x.is_leaf and not y.is_leaf
    (gx,) = tg.autograd.grad((x ** 3).sum(), [x])
    assert gx.tolist() == [3.0, 12.0, 27.0]
    # second derivative through create_graph
    (g,) = tg.autograd.grad((x ** 3).sum(), [x], create_graph=True)
    (gg,) = tg.autograd.grad(g.sum(), [x])
    assert gg.tolist() == [6.0, 12.0, 18.0]
    z = tg.ones(2, requires_grad=True)
    assert tg.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)[1] is None
    v = x * 2
    v.backward(tg.tensor([1.0, 0.0, 1.0]))
    x.grad = None
    assert x.grad is None


def test_grad_mode_context_managers_and_decorators():
    x = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @tg.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and tg.is_grad_enabled()

    @tg.no_grad
    def g(t):
        return t * 2

    assert not g(x).requires_grad and g.__name__ == "g"
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not x.detach().requires_grad and (x.data * 2).grad_fn is None


def test_tensor_hooks_and_retain_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    y = x * 3
    y.retain_grad()
    y.sum().backward()
    assert seen == [[3.0, 3.0]] and x.grad.tolist() == [30.0, 30.0] and y.grad.tolist() == [1.0, 1.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert len(seen) == 1


def test_post_accumulate_grad_hooks_step_each_parameter_in_backward():
    # PyTorch's optimizer-in-backward: one optimizer per parameter, stepped by the hook that runs
    # once the parameter's gradient is accumulated, which then frees the gradient.
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1))
    reference = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1))
    reference.load_state_dict(model.state_dict())
    optimizers = {p: tg.optim.SGD([p], lr=0.1) for p in model.parameters()}
    order = []

    def step(p):
        order.append(p)
        optimizers[p].step()
        optimizers[p].zero_grad()

    handles = [p.register_post_accumulate_grad_hook(step) for p in model.parameters()]
    whole = tg.optim.SGD(reference.parameters(), lr=0.1)
    x = tg.randn(5, 3)
    for _ in range(2):
        model(x).pow(2).sum().backward()
        whole.zero_grad()
        reference(x).pow(2).sum().backward()
        whole.step()
    assert all(p.grad is None for p in model.parameters())
    for p, q in zip(model.parameters(), reference.parameters()):
        assert_close(p, q, rtol=1e-6, atol=1e-6)
    assert set(order) == set(model.parameters()) and len(order) == 8
    for h in handles:
        h.remove()
    model(x).sum().backward()
    assert len(order) == 8 and next(model.parameters()).grad is not None
    with pytest.raises(RuntimeError, match="only leaves accumulate gradients"):
        (next(model.parameters()) * 2).register_post_accumulate_grad_hook(step)
    # what a hook returns is ignored, as torch does (its docs' example returns p.add_(...))
    w = tg.tensor([0.0, 0.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: p.add_(p.grad, alpha=-0.5))
    (w * 2).sum().backward()
    assert w.tolist() == [-1.0, -1.0]


def test_exceptions_in_hooks_propagate_with_their_type():
    x = tg.ones(2, requires_grad=True)

    def bad_hook(g):
        raise KeyError("from the hook")

    x.register_hook(bad_hook)
    with pytest.raises(KeyError, match="from the hook") as info:
        (x * 2).sum().backward()
    assert any(frame.name == "bad_hook" for frame in info.traceback)


class Cube(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x * ctx.scale, None


def test_custom_function():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]
    xd = tg.rand(3, dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(lambda t: Cube.apply(t, 1.5), [xd])


class Split(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        assert ctx.needs_input_grad == (True,)
        return x * 2, x.argmax()

    @staticmethod
    def backward(ctx, g_double, g_index):
        return g_double * 2


def test_custom_function_with_two_outputs_and_errors():
    x = tg.tensor([1.0, 5.0], requires_grad=True)
    doubled, index = Split.apply(x)
    assert index.item() == 1 and index.grad_fn is None
    doubled.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]

    class Broken(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    with pytest.raises(ValueError, match="broken backward"):
        Broken.apply(x).sum().backward()


def test_gradcheck_from_python():
    a = tg.rand(3, 4, dtype=tg.float64, requires_grad=True)
    b = tg.rand(4, 2, dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(lambda x, y: (x @ y).tanh(), [a, b])
    assert tg.autograd.gradgradcheck(lambda x, y: (x @ y).sigmoid().sum(), [a, b])
    with pytest.raises(RuntimeError):
        tg.autograd.gradcheck(lambda x: Wrong.apply(x), [tg.rand(2, dtype=tg.float64, requires_grad=True)])
    assert not tg.autograd.gradcheck(lambda x: Wrong.apply(x), [tg.rand(2, dtype=tg.float64, requires_grad=True)],
                                     raise_exception=False)


class Wrong(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return g  # should be 2 x g


def test_anomaly_mode_names_the_python_line():
    x = tg.tensor([1.0, -1.0], requires_grad=True)
    here = sys._getframe().f_lineno
    with tg.autograd.detect_anomaly():
        with pytest.raises(tg.AnomalyError) as info:
            x.log()  # the planted NaN: log(-1)
    assert info.value.op == "log"
    assert f"test_autograd.py:{here + 3}" in info.value.location, info.value.location
    assert "test_anomaly_mode_names_the_python_line" in str(info.value)
    with tg.autograd.set_detect_anomaly(True):
        assert tg.autograd.is_anomaly_enabled()
    assert not tg.autograd.is_anomaly_enabled()
    with tg.autograd.detect_anomaly(check_forward=False):
        y = tg.sqrt(x - 1)
        with pytest.raises(tg.AnomalyError, match="backward"):
            y.sum().backward()
    with tg.autograd.detect_anomaly(check_nan=True):
        assert tg.autograd.is_anomaly_enabled()
    with pytest.raises(ValueError, match="check_nan=False is not supported"):
        tg.autograd.detect_anomaly(check_nan=False)
    with pytest.raises(ValueError, match="check_nan=False is not supported"):
        tg.autograd.set_detect_anomaly(True, check_nan=False)
    assert not tg.autograd.is_anomaly_enabled()


def test_function_with_setup_context_and_keywords():
    # PyTorch 2's form: forward without ctx, setup_context saving what backward needs.
    class ScaledCube(tg.autograd.Function):
        @staticmethod
        def forward(x, scale=2.0):
            return x * x * x * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, scale = inputs
            ctx.save_for_backward(x)
            ctx.scale = scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x * ctx.scale, None

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = ScaledCube.apply(x)
    y.sum().backward()
    assert y.tolist() == [2.0, 16.0] and x.grad.tolist() == [6.0, 24.0]
    x.grad = None
    ScaledCube.apply(x, scale=0.5).sum().backward()  # keywords bound to forward's parameters
    assert x.grad.tolist() == [1.5, 6.0]
    assert tg.autograd.gradcheck(ScaledCube.apply, (tg.randn(3, dtype=tg.float64, requires_grad=True),))
    assert tg.func.grad(lambda v: ScaledCube.apply(v).sum())(tg.tensor([1.0])).tolist() == [6.0]

    class Old(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    with pytest.raises(TypeError, match="Old.apply takes keyword arguments only when the Function defines"):
        Old.apply(x=tg.ones(1))
    with pytest.raises(TypeError):
        ScaledCube.apply(x, nope=1.0)


def test_print_graph_to_dot_and_stepping():
    w = tg.ones(2, 2, requires_grad=True)
    w.name = "w"
    loss = (w @ tg.ones(2, 1)).relu().sum()
    text = tg.autograd.format_graph(loss)
    assert "SumBackward" in text and "MmBackward" in text or "MatmulBackward" in text
    assert "digraph" in tg.autograd.to_dot(loss)
    names = [step.node.name() for step in tg.autograd.backward_steps(loss)]
    assert names[0] == "SumBackward" and names[-1] == "AccumulateGrad" and len(names) >= 4
    assert w.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    fn = loss.grad_fn
    assert fn.next_functions[0][0].name() == "ReluBackward"


def test_gil_is_released_while_kernels_run():
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        a = tg.randn(600, 600)
        time.sleep(0.01)
        before = counter[0]
        start = time.perf_counter()
        for _ in range(20):
            a = (a @ a).tanh()
        elapsed = time.perf_counter() - start
        during = counter[0] - before
    finally:
        stop.set()
        thread.join()
    # With the GIL held across each call the spinning thread would barely run.
    assert during > 1000 * elapsed, (during, elapsed)


def test_inference_mode():
    x = tg.ones(2, requires_grad=True)
    assert not tg.is_inference_mode_enabled()
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled() and not tg.is_grad_enabled()
        y = x * 2
        with tg.inference_mode(False):
            assert not tg.is_inference_mode_enabled() and not tg.is_grad_enabled()
    assert not y.requires_grad and tg.is_grad_enabled() and not tg.is_inference_mode_enabled()
    assert y.is_inference() and tg.is_inference(y[0]) and not x.is_inference() and not y.clone().is_inference()
    with pytest.raises(RuntimeError, match="add_: an in-place update to an inference tensor"):
        y.add_(1)
    with pytest.raises(RuntimeError, match="cannot be saved for backward"):
        x * y

    @tg.inference_mode
    def bare(t):
        return t * 3, tg.is_inference_mode_enabled()

    @tg.inference_mode(mode=False)
    def off(t):
        return t * 3, tg.is_inference_mode_enabled()

    out, inside = bare(x)
    assert inside and not out.requires_grad
    out, inside = off(x)
    assert not inside and out.requires_grad
    assert tg.autograd.inference_mode is tg.inference_mode


def test_legacy_variable():
    from tapegrad.autograd import Variable
    x = tg.ones(2)
    v = Variable(x, requires_grad=True)
    assert v is not x and v.data_ptr() == x.data_ptr() and v.requires_grad and not x.requires_grad and v.is_leaf
    assert isinstance(x, Variable) and not isinstance([1], Variable) and type(v) is tg.Tensor
    (v * 3).sum().backward()
    assert v.grad.tolist() == [3.0, 3.0]
    z = tg.ones(2, requires_grad=True) * 2
    assert Variable(z).is_leaf and not Variable(z).requires_grad and Variable().shape == (0,)
    with pytest.warns(UserWarning, match="volatile was removed"):
        assert not Variable(x, volatile=True).requires_grad
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1, 2])


def test_cond_and_while_loop_run_eagerly():
    x = tg.ones(2, requires_grad=True)
    y = tg.cond(x.sum() > 1, lambda v: v * 3, lambda v: v - 1, (x,))
    assert y.tolist() == [3.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert tg.cond(False, lambda v: v + 1, lambda v: v - 1, [tg.ones(1)]).tolist() == [0.0]
    with pytest.raises(RuntimeError, match="Expected pred to be bool or single-element tensor"):
        tg.cond(tg.ones(2) > 0, lambda v: v, lambda v: v, (x,))
    with pytest.raises(RuntimeError, match="Expected pred to be bool or tensor, but got str"):
        tg.cond("a", lambda v: v, lambda v: v, (x,))
    i, v = tg.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2), (tg.tensor(0), tg.ones(2)))
    assert i.item() == 3 and v.tolist() == [8.0, 8.0]
    with pytest.raises(RuntimeError, match="body_fn returned 1 values for 2 carried inputs"):
        tg.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1,), (tg.tensor(0), tg.ones(2)))
