"""tg.autograd.forward_ad (dual tensors) and tg.func.linearize: against closed forms, finite
differences, gradcheck's forward-mode check, and PyTorch's forward AD where it is installed."""
import numpy as np
import pytest

import tapegrad as tg
from tapegrad import nn

fwAD = tg.autograd.forward_ad


def t64(a):
    return tg.tensor(np.asarray(a, dtype=np.float64))


def close(t, expected, tol=1e-9):
    np.testing.assert_allclose(np.asarray(t.detach()), np.asarray(expected, dtype=np.float64), rtol=tol, atol=tol)


X = np.array([0.3, -1.2, 0.7])
T = np.array([1.0, 0.5, -2.0])


def test_dual_tensors_carry_jvps():
    with fwAD.dual_level() as level:
        assert level == 0
        d = fwAD.make_dual(t64(X), t64(T))
        y = (d.exp() * d).sin()
        primal, tangent = fwAD.unpack_dual(y)
        close(primal, np.sin(np.exp(X) * X))
        close(tangent, np.cos(np.exp(X) * X) * (np.exp(X) * X + np.exp(X)) * T)
        assert not y.requires_grad
        assert fwAD.unpack_dual(t64(X)).tangent is None
        with tg.no_grad():  # forward mode does not need grad mode
            close(fwAD.unpack_dual(d * 2).tangent, 2 * T)
    assert fwAD.unpack_dual(y).tangent is None  # the level's end drops the tangents


def test_modules_views_and_in_place_ops():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x = tg.randn(5, 3, dtype=tg.float64)
    t = tg.randn(5, 3, dtype=tg.float64)
    h = 1e-6
    with tg.no_grad():
        expected = (net(x + h * t) - net(x - h * t)) / (2 * h)
    with fwAD.dual_level():
        out = net(fwAD.make_dual(x, t))
        close(fwAD.unpack_dual(out).tangent, expected.numpy(), 1e-6)
        d = fwAD.make_dual(t64(np.arange(6.0)).reshape(2, 3), tg.ones(2, 3, dtype=tg.float64))
        row = d[1]
        d.mul_(3)
        close(fwAD.unpack_dual(row).tangent, [3, 3, 3])
        a = tg.zeros(2, 3, dtype=tg.float64)
        a[0] = d[0]
        close(fwAD.unpack_dual(a).tangent, [[3, 3, 3], [0, 0, 0]])


def test_reverse_over_forward():
    x = t64(X).requires_grad_()
    with fwAD.dual_level():
        jvp = fwAD.unpack_dual(fwAD.make_dual(x, t64(T)).sin()).tangent
        assert jvp.requires_grad
        jvp.sum().backward()
    close(x.grad, -np.sin(X) * T)


def test_gradcheck_checks_forward_mode():
    a = t64(X).requires_grad_()
    b = t64(T).requires_grad_()
    assert tg.autograd.gradcheck(lambda p, q: (p * q.exp(), p.atan2(q)), (a, b), check_forward_ad=True)


def test_errors():
    x = t64(X)
    with pytest.raises(RuntimeError, match="no dual level is active"):
        fwAD.make_dual(x, x)
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="nested forward-mode AD levels"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match=r"tangent has shape \[2\] but the primal has shape \[3\]"):
            fwAD.make_dual(x, t64([1.0, 2.0]))
        with pytest.raises(TypeError, match="floating-point primal"):
            fwAD.make_dual(tg.arange(3), tg.arange(3))

        class Twice(tg.autograd.Function):
            @staticmethod
            def forward(ctx, v):
                return v * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        with pytest.raises(RuntimeError, match="custom Function needs its jvp"):
            Twice.apply(fwAD.make_dual(x, x))
    with pytest.raises(RuntimeError, match="no dual level is active"):
        fwAD.exit_dual_level()


def test_linearize():
    f = lambda x, y: (x.exp() * y).sin()  # noqa: E731
    Y = np.array([1.1, 0.4, -0.5])
    out, jvp_fn = tg.func.linearize(f, t64(X), t64(Y))
    close(out, np.sin(np.exp(X) * Y))
    c = np.cos(np.exp(X) * Y)
    close(jvp_fn(t64(T), t64(X)), c * (np.exp(X) * Y * T + np.exp(X) * X))
    close(jvp_fn(t64(np.zeros(3)), t64(np.ones(3))), c * np.exp(X))  # called again: the tape is kept
    with pytest.raises(RuntimeError, match="expected tangent 1 of shape"):
        jvp_fn(t64(T), t64([1.0]))
    with pytest.raises(RuntimeError, match="structure"):
        jvp_fn(t64(T))


def test_against_torch_forward_ad():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(5)
    a, v = rng.randn(4, 3), rng.randn(4, 3)

    def f(lib, x):
        return (x.softmax(1) * x.tanh()).cumsum(0).logsumexp(1) + x.norm()

    with fwAD.dual_level():
        ours = fwAD.unpack_dual(f(tg, fwAD.make_dual(t64(a), t64(v)))).tangent
    tfw = torch.autograd.forward_ad
    with tfw.dual_level():
        theirs = tfw.unpack_dual(f(torch, tfw.make_dual(torch.tensor(a), torch.tensor(v)))).tangent
    close(ours, theirs.numpy(), 1e-10)
    _, jvp_fn = tg.func.linearize(lambda x: f(tg, x), t64(a))
    close(jvp_fn(t64(v)), theirs.numpy(), 1e-10)


def test_custom_functions_with_a_jvp():
    class ScaledExp(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            y = (x * scale).exp()
            ctx.save_for_backward(y)
            ctx.save_for_forward(y)
            ctx.scale = scale
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y * ctx.scale, None

        @staticmethod
        def jvp(ctx, x_t, scale_t):
            assert scale_t is None
            (y,) = ctx.saved_tensors
            return x_t * y * ctx.scale

    with fwAD.dual_level():
        y = ScaledExp.apply(fwAD.make_dual(t64(X), t64(T)), 0.5)
        close(fwAD.unpack_dual(y).tangent, T * 0.5 * np.exp(0.5 * X))
    assert tg.autograd.gradcheck(lambda x: ScaledExp.apply(x, 0.5), (t64(X).requires_grad_(),), check_forward_ad=True)


def test_gamma_rsample_has_a_jvp():
    # The gamma draw is a custom Function: its jvp is the implicit derivative its backward uses.
    alpha = t64([0.5, 2.0, 7.0])
    tg.manual_seed(1)
    a = alpha.clone().requires_grad_()
    x = tg.distributions.Gamma(a, 1.0).rsample()
    (da,) = tg.autograd.grad(x.sum(), a)
    tg.manual_seed(1)
    with fwAD.dual_level():
        y = tg.distributions.Gamma(fwAD.make_dual(alpha, tg.ones(3, dtype=tg.float64)), 1.0).rsample()
        primal, tangent = fwAD.unpack_dual(y)
        close(primal, x.detach().numpy())
        close(tangent, da.numpy())


def test_networks_against_torch_forward_ad():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)

    def tangents(make, x, t, train):
        ref, ours = make(torch.nn).double(), make(nn).double()
        ours.load_state_dict({k: tg.tensor(v.detach().numpy().copy()) for k, v in ref.state_dict().items()})
        ref.train(train)
        ours.train(train)
        first = lambda out: out[0] if isinstance(out, tuple) else out  # noqa: E731
        tfw = torch.autograd.forward_ad
        with tfw.dual_level():
            theirs = tfw.unpack_dual(first(ref(tfw.make_dual(torch.tensor(x), torch.tensor(t))))).tangent
        with fwAD.dual_level():
            mine = fwAD.unpack_dual(first(ours(fwAD.make_dual(t64(x), t64(t))))).tangent
        return mine, theirs.detach().numpy()

    def cnn(m):
        return m.Sequential(m.Conv2d(3, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2),
                            m.Conv2d(4, 4, 3), m.GELU(), m.AdaptiveAvgPool2d(1), m.Flatten(), m.Linear(4, 5),
                            m.LogSoftmax(1))

    x, t = rng.standard_normal((4, 3, 8, 8)), rng.standard_normal((4, 3, 8, 8))
    for train in (False, True):  # batch statistics in training mode
        close(*tangents(cnn, x, t, train), 1e-12)
    s, u = rng.standard_normal((5, 2, 6)), rng.standard_normal((5, 2, 6))
    close(*tangents(lambda m: m.LSTM(6, 7, num_layers=2), s, u, False), 1e-12)
    close(*tangents(lambda m: m.GRU(6, 7, bidirectional=True), s, u, False), 1e-12)
    # PyTorch has no forward AD for its CPU attention kernel: a transformer layer against finite
    # differences instead.
    tg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double().eval()
    x, t = rng.standard_normal((2, 5, 8)), rng.standard_normal((2, 5, 8))
    with tg.no_grad():
        fd = (layer(t64(x + 1e-6 * t)) - layer(t64(x - 1e-6 * t))) / 2e-6
    with fwAD.dual_level():
        close(fwAD.unpack_dual(layer(fwAD.make_dual(t64(x), t64(t)))).tangent, fd.numpy(), 1e-7)
