"""Complex tensors from Python: Python complex numbers and NumPy complex arrays in and out, the
part views and properties, arithmetic against NumPy, printing, errors, and gradients against
PyTorch's where it is installed."""
import numpy as np
import pytest

import tapegrad as tg

Z = np.array([0.5 - 1.25j, -2.0 + 0.75j, 1.5 + 2.0j, -0.3 - 0.4j])
W = np.array([1.0 + 1.0j, 0.5 - 2.0j, -1.5 + 0.25j, 2.0 + 0.0j])


def close(t, expected, tol=1e-12):
    np.testing.assert_allclose(np.asarray(t.detach()), np.asarray(expected), rtol=tol, atol=tol)


def test_python_and_numpy_complex_values_round_trip():
    z = tg.tensor([1 + 2j, 3 - 4j])
    assert z.dtype is tg.complex64 and z.is_complex() and tg.is_complex(z)
    assert tg.cfloat is tg.complex64 and tg.cdouble is tg.complex128
    assert tg.complex64.is_complex and not tg.complex64.is_floating_point
    assert z[1].item() == 3 - 4j and isinstance(z[0].item(), complex)
    assert z.tolist() == [1 + 2j, 3 - 4j]
    assert complex(z[0]) == 1 + 2j
    assert tg.tensor([1, 2.5j], dtype=tg.complex128).dtype is tg.complex128
    a = tg.from_numpy(Z)
    assert a.dtype is tg.complex128
    close(a, Z)
    assert tg.tensor(Z.astype(np.complex64)).dtype is tg.complex64
    assert a.numpy().dtype == np.complex128 and np.array_equal(a.numpy(), Z)
    assert tg.tensor(np.complex64(1 + 1j)).dtype is tg.complex64
    assert tg.ones(2).cfloat().dtype is tg.complex64 and tg.ones(2).cdouble().dtype is tg.complex128
    assert tg.full((2,), 1j).dtype is tg.complex64


def test_part_views_and_properties():
    z = tg.tensor(Z)
    close(z.real, Z.real)
    close(z.imag, Z.imag)
    close(tg.view_as_real(z), np.stack([Z.real, Z.imag], -1))
    close(tg.view_as_complex(tg.view_as_real(z)), Z)
    z.imag = tg.zeros(4, dtype=tg.float64)
    close(z, Z.real.astype(np.complex128))
    z.real = 2.0
    close(z, np.full(4, 2.0 + 0j))
    close(tg.complex(tg.tensor(Z.real), tg.tensor(Z.imag)), Z)
    close(tg.polar(tg.tensor(np.abs(Z)), tg.tensor(np.angle(Z))), Z)
    x = tg.tensor([-1.0, 2.0])
    assert tg.real(x) is x and tg.conj(x) is x and x.conj() is x
    assert not tg.is_conj(tg.tensor(Z)) and tg.resolve_conj(x) is x
    assert tg.isreal(tg.tensor([1 + 0j, 1j])).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="imag: not implemented for tensors with non-complex dtypes"):
        x.imag
    with pytest.raises(TypeError, match="view_as_real: expected a complex tensor"):
        tg.view_as_real(x)


def test_arithmetic_matches_numpy():
    z, w = tg.tensor(Z), tg.tensor(W)
    close(z + w, Z + W)
    close(z * w, Z * W)
    close(z / w, Z / W)
    close(z ** 2, Z ** 2)
    close(z ** w, Z ** W, 1e-10)
    close(z * 2j, Z * 2j)
    close(1j / z, 1j / Z)
    close(z - 1.5, Z - 1.5)
    close(-z, -Z)
    for name in ["exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
                 "arcsinh", "arccosh", "arctanh", "reciprocal", "log10", "log2", "expm1", "log1p"]:
        close(getattr(tg, name)(z), getattr(np, name)(Z), 1e-10)
    close(tg.abs(z), np.abs(Z))
    close(z.abs(), np.abs(Z))
    close(tg.angle(z), np.angle(Z))
    close(tg.sgn(z), Z / np.abs(Z))
    close(z.conj(), np.conj(Z))
    close(z.sum(), Z.sum())
    close(z.mean(), Z.mean())
    close(z.prod(), Z.prod())
    m = tg.tensor(np.outer(Z, W))
    close(m @ tg.tensor(W), np.outer(Z, W) @ W, 1e-10)
    close(m.mH, np.outer(Z, W).conj().T)
    assert (z == z).all().item() and not (z != z).any().item()
    assert tg.ones(3, dtype=tg.float64).mul(1j).dtype is tg.complex128


def test_prints_as_pytorch():
    assert repr(tg.tensor([1 + 2j, 3 - 4j])) == "tensor([1.+2.j, 3.-4.j])"
    assert repr(tg.tensor(1 + 2j)) == "tensor(1.+2.j)"
    assert repr(tg.tensor([0.5 - 1.25j], dtype=tg.complex128)) == "tensor([0.5000-1.2500j], dtype=complex128)"


def test_unsupported_ops_raise_type_errors():
    z = tg.tensor(Z)
    with pytest.raises(TypeError, match="lt: not implemented for complex128 tensors"):
        z < z
    with pytest.raises(TypeError, match="relu: not implemented for complex128 tensors"):
        tg.relu(z)
    with pytest.raises(TypeError, match="can't be cast"):
        tg.ones(2).mul_(1j)


def test_gradients_in_pytorchs_convention():
    z = tg.tensor([1 + 2j], requires_grad=True)
    (z.abs() ** 2).sum().backward()
    assert z.grad.item() == 2 + 4j
    z = tg.tensor(Z, requires_grad=True)
    w = tg.tensor(W, requires_grad=True)
    assert tg.autograd.gradcheck(lambda a, b: (a * b.conj()).exp() / b, (z, w))


def test_gradients_match_pytorch():
    torch = pytest.importorskip("torch")

    def loss(lib, z, w, x):
        y = lib.exp(z * w) / (z + 2) + lib.sin(z).conj() * x
        y = y @ w
        return (lib.abs(y) ** 2 + lib.angle(z).sum()).sum() + lib.view_as_real(z * w).pow(2).sum()

    X = np.array([0.5, -1.0, 2.0, 0.25])
    results = []
    for lib in (tg, torch):
        z = lib.tensor(Z, requires_grad=True)
        w = lib.tensor(W, requires_grad=True)
        x = lib.tensor(X, requires_grad=True)
        loss(lib, z, w, x).backward()
        results.append([np.asarray(t.grad.detach()) for t in (z, w, x)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
        assert a.dtype == b.dtype


def test_promotion_matches_pytorch():
    torch = pytest.importorskip("torch")
    cases = [("float32", 1j), ("float64", 1j), ("int64", 1j), ("complex64", 1.5), ("complex64", 2)]
    for dtype, number in cases:
        mine = (tg.ones(2, dtype=getattr(tg, dtype)) * number).dtype
        theirs = (torch.ones(2, dtype=getattr(torch, dtype)) * number).dtype
        assert str(mine).split(".")[-1] == str(theirs).split(".")[-1], (dtype, number)
        # A number first where a tensor goes (tg.add(1j, t)) promotes as a number too.
        mine = tg.add(number, tg.ones(2, dtype=getattr(tg, dtype))).dtype
        theirs = torch.add(number, torch.ones(2, dtype=getattr(torch, dtype))).dtype
        assert str(mine).split(".")[-1] == str(theirs).split(".")[-1], (dtype, number)
    for a, b in [("complex64", "float64"), ("complex128", "float32"), ("int8", "complex64")]:
        mine = tg.promote_types(getattr(tg, a), getattr(tg, b))
        theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
        assert str(mine).split(".")[-1] == str(theirs).split(".")[-1]
    assert str(tg.tensor([1 + 1j])) == str(torch.tensor([1 + 1j])).replace("torch.", "tapegrad.")


def test_logsumexp_dropout_and_l1_loss_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((3, 4, 2)) @ np.array([3.0, 3.0j])
    for dims, keep in (((1,), False), ((0, 1), True)):
        t, r = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        x, y = tg.logsumexp(t, dims, keep), torch.logsumexp(r, dims, keep)
        close(x, y.detach().numpy())
        x.abs().sum().backward()
        y.abs().sum().backward()
        close(t.grad, r.grad.numpy())
    close(tg.logsumexp(tg.tensor(a * 300), 1), torch.logsumexp(torch.tensor(a * 300), 1).numpy(), 1e-9)
    b = a[::-1].copy()
    loss = tg.nn.functional.l1_loss(tg.tensor(a), tg.tensor(b))
    assert loss.dtype is tg.float64
    assert abs(loss.item() - torch.nn.functional.l1_loss(torch.tensor(a), torch.tensor(b)).item()) < 1e-14
    dropped = tg.nn.functional.dropout(tg.tensor(a), 0.5).numpy()
    assert np.all((dropped == 0) | np.isclose(dropped, 2 * a))


def test_logaddexp_logcumsumexp_and_activations_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 6)) + 1j * rng.standard_normal((3, 6))
    b = rng.standard_normal((3, 6)) + 1j * rng.standard_normal((3, 6))
    F, TF = tg.nn.functional, torch.nn.functional
    cases = [
        lambda lib, x, y: lib.logaddexp(x, y),
        lambda lib, x, y: lib.logaddexp(x * 300, y * 300),
        lambda lib, x, y: lib.logcumsumexp(x, 1) + lib.logcumsumexp(y, 0),
        lambda lib, x, y: lib.logcumsumexp(x * 300, 1) * y,
        lambda lib, x, y: x.logaddexp(y.real.detach()) * y,  # PyTorch has no real-input gradient here
    ]
    for f in cases:
        results = []
        for lib in (tg, torch):
            x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
            out = f(lib, x, y)
            out.abs().sum().backward()
            results.append([np.asarray(lib.resolve_conj(t.detach())) for t in (out, x.grad, y.grad)])
        for mine, theirs in zip(*results):
            # PyTorch's logcumsumexp gradient overflows to NaN at some large inputs; ours is finite.
            assert np.isfinite(mine).all()
            known = np.isfinite(theirs)
            np.testing.assert_allclose(mine[known], theirs[known], rtol=1e-10, atol=1e-9)
    for mine, theirs in [(tg.nn.functional.silu, torch.nn.functional.silu), (F.tanhshrink, TF.tanhshrink),
                         (F.normalize, TF.normalize)]:
        close(mine(tg.tensor(a)), theirs(torch.tensor(a)).numpy())
    # PyTorch has no complex silu derivative: tanhshrink's and normalize's are compared.
    for mine, theirs in [(F.tanhshrink, TF.tanhshrink), (F.normalize, TF.normalize)]:
        x, r = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        mine(x).abs().sum().backward()
        theirs(r).abs().sum().backward()
        close(x.grad, r.grad.numpy(), 1e-10)
    x = tg.tensor(a.astype(np.complex64))
    tg.nn.functional.silu(x, inplace=True)
    close(x, torch.nn.functional.silu(torch.tensor(a.astype(np.complex64))).numpy(), 1e-6)


def test_convolutions_and_complex_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)

    def crand(*shape):
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    cases = [
        ("conv1d", crand(2, 4, 9), crand(6, 2, 3), dict(stride=2, padding=1, groups=2)),
        ("conv2d", crand(2, 3, 6, 5), crand(4, 3, 3, 2), dict(padding="same", dilation=(1, 2))),
        ("conv3d", crand(1, 2, 4, 3, 3), crand(3, 2, 2, 2, 2), dict(stride=(1, 2, 1))),
        ("conv_transpose2d", crand(2, 4, 3, 3), crand(4, 2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ]
    for name, x, w, kwargs in cases:
        grads, b = [], crand(w.shape[1] if "transpose" in name else w.shape[0])
        for lib in (tg, torch):
            xt, wt, bt = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
            y = getattr(lib.nn.functional, name)(xt, wt, bt, **kwargs)
            (y.abs() ** 2).sum().backward()
            grads.append([np.asarray(t.detach()) for t in (y, xt.grad, wt.grad, bt.grad)])
        for a, b in zip(*grads):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=name)

    layer = tg.nn.Conv2d(2, 3, 3, padding=1)
    layer.to(tg.complex64)
    assert layer.weight.dtype is tg.complex64 and layer.bias.dtype is tg.complex64
    assert layer(tg.tensor(crand(1, 2, 4, 4)).to(tg.complex64)).dtype is tg.complex64
    with pytest.raises(TypeError, match="expected a floating-point or complex input"):
        tg.nn.functional.conv2d(tg.ones(1, 1, 3, 3, dtype=tg.int64), tg.ones(1, 1, 2, 2, dtype=tg.int64))
    with pytest.raises(TypeError, match="input \\(complex128\\) and weight \\(float64\\)"):
        tg.nn.functional.conv2d(tg.tensor(crand(1, 1, 3, 3)), tg.ones(1, 1, 2, 2, dtype=tg.float64))


def test_layers_made_complex_draw_both_parts_as_pytorch():
    torch = pytest.importorskip("torch")
    for name, args in (("Linear", (64, 32)), ("Conv2d", (8, 16, 3)), ("ConvTranspose1d", (8, 4, 5))):
        mine = getattr(tg.nn, name)(*args, dtype=tg.complex64)
        theirs = getattr(torch.nn, name)(*args, dtype=torch.complex64)
        # Both parts of the weight and the bias uniform in +-1/sqrt(fan_in), as PyTorch draws them
        # (a bound the few draws of a small bias may fall well inside, so it is not read from them).
        w = theirs.weight
        bound = 1 / np.sqrt(w.shape[1] * np.prod(w.shape[2:], dtype=np.int64))
        for p, q in ((mine.weight, theirs.weight), (mine.bias, theirs.bias)):
            assert p.dtype is tg.complex64 and tuple(p.shape) == tuple(q.shape)
            parts, ref = p.detach().numpy(), q.detach().numpy()
            assert max(np.abs(ref.real).max(), np.abs(ref.imag).max()) <= bound * 1.0001
            assert np.abs(parts.real).max() <= bound * 1.0001 and np.abs(parts.imag).max() <= bound * 1.0001
            assert np.abs(parts.imag).max() > 0, name  # drawn, not left at zero
        assert np.abs(mine.weight.detach().numpy().imag).max() > bound / 2, name
    z = tg.zeros(1000, dtype=tg.complex128).normal_(0.0, 2.0)
    assert abs((z.abs() ** 2).mean().item() - 4.0) < 0.5
    with pytest.raises(TypeError, match="dtype must be a floating-point or complex dtype"):
        tg.nn.Linear(2, 2, dtype=tg.int32)


@pytest.mark.skipif(not tg.cuda.is_available(), reason="no CUDA device: this test needs a GPU")
def test_complex_ops_on_the_gpu_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 8)) + 1j * rng.standard_normal((5, 8))
    b = rng.standard_normal(8) + 1j * rng.standard_normal(8)
    ga, gb = tg.tensor(a, device="cuda"), tg.tensor(b, device="cuda")
    assert ga.is_cuda and ga.dtype is tg.complex128
    close((ga * gb.conj() + ga / gb).cpu(), a * b.conj() + a / b)
    close(tg.exp(ga).cpu(), np.exp(a))
    close(ga.abs().cpu(), np.abs(a))
    close(ga.sum(0).cpu(), a.sum(0))
    close((ga @ ga.mH).cpu(), a @ a.conj().T, 1e-10)
    close(tg.fft.fft(ga).cpu(), np.fft.fft(a), 1e-10)
    close(tg.fft.irfft(tg.fft.rfft(ga.real), 8).cpu(), a.real, 1e-10)
    leaf = ga.detach().requires_grad_()
    (leaf * gb).abs().sum().backward()
    # d|a b| / d conj(a) = b conj(a b) / (2 |a b|), and the gradient is twice that (PyTorch's convention).
    close(leaf.grad.cpu(), np.conj(b) * (a * b) / np.abs(a * b), 1e-10)
