"""tg.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp), tg.func's transforms (grad,
grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap, stack_module_state) and autograd.grad's
materialize_grads and is_grads_batched: against closed forms, and against PyTorch where it is
installed."""
import numpy as np
import pytest

import tapegrad as tg
from tapegrad import nn

AF = tg.autograd.functional
F = tg.func


def t64(a):
    return tg.tensor(np.asarray(a, dtype=np.float64))


def close(t, expected, tol=1e-10):
    np.testing.assert_allclose(np.asarray(t.detach()), np.asarray(expected, dtype=np.float64), rtol=tol, atol=tol)


X = np.array([0.3, -1.2, 0.7])
Y = np.array([1.1, 0.4, -0.5])


def elementwise(x, y):
    return (x.exp() * y).sin()


def quartic(x):
    return (x * x).sum() ** 2  # H = 4 (x.x) I + 8 x x^T


def quartic_hessian(x):
    return 4 * (x @ x) * np.eye(len(x)) + 8 * np.outer(x, x)


# ---- tg.autograd.functional ----------------------------------------------------------------------

def test_jacobian_of_tensors_and_tuples():
    c = np.cos(np.exp(X) * Y)
    jx, jy = AF.jacobian(elementwise, (t64(X), t64(Y)))
    close(jx, np.diag(c * np.exp(X) * Y))
    close(jy, np.diag(c * np.exp(X)))
    single = AF.jacobian(lambda x: x.exp(), t64(X))
    assert isinstance(single, tg.Tensor) and single.shape == (3, 3)
    close(single, np.diag(np.exp(X)))
    # Tuple outputs nest as (outputs, inputs); shapes are output.shape + input.shape.
    m = t64(np.arange(6.0).reshape(2, 3))
    nested = AF.jacobian(lambda a, b: (a * 2, (a * b).sum()), (m, t64(X)))
    assert [[tuple(j.shape) for j in row] for row in nested] == [[(2, 3, 2, 3), (2, 3, 3)], [(2, 3), (3,)]]
    close(nested[1][1], np.arange(6.0).reshape(2, 3).sum(0))
    assert not single.requires_grad


def test_jacobian_of_an_unused_input_is_zero_and_strict_refuses_it():
    jac = AF.jacobian(lambda x, y: x * 2, (t64(X), t64(Y)))
    close(jac[1], np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda x, y: x * 2, (t64(X), t64(Y)), strict=True)
    with pytest.raises(ValueError, match="forward-mode"):
        AF.jacobian(lambda x: x, t64(X), strategy="sideways")
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda x: x, [1.0, 2.0])


def test_hessian_single_and_tuple_inputs():
    close(AF.hessian(quartic, t64(X)), quartic_hessian(X))
    h = AF.hessian(lambda x, y: (x * y).sum() + (x ** 3).sum(), (t64(X), t64(Y)))
    close(h[0][0], np.diag(6 * X))
    close(h[0][1], np.eye(3))
    close(h[1][0], np.eye(3))
    close(h[1][1], np.zeros((3, 3)))
    with pytest.raises(RuntimeError, match="single element"):
        AF.hessian(lambda x: x * 2, t64(X))
    with pytest.raises(RuntimeError, match="independent of the input"):
        AF.hessian(lambda x: x.sum(), t64(X), strict=True)  # linear: the Jacobian is constant


def test_vjp_jvp_hvp_vhp():
    c = np.cos(np.exp(X) * Y)
    out, (gx, gy) = AF.vjp(elementwise, (t64(X), t64(Y)), t64(Y))
    close(out, np.sin(np.exp(X) * Y))
    close(gx, Y * c * np.exp(X) * Y)
    close(gy, Y * c * np.exp(X))
    out, jv = AF.jvp(elementwise, (t64(X), t64(Y)), (t64(Y), t64(X)))
    close(jv, c * np.exp(X) * Y * Y + c * np.exp(X) * X)
    value, hv = AF.hvp(quartic, t64(X), t64(Y))
    close(value, (X @ X) ** 2)
    close(hv, quartic_hessian(X) @ Y)
    _, vh = AF.vhp(quartic, t64(X), t64(Y))
    close(vh, Y @ quartic_hessian(X))
    # v may be left out for one-element outputs (vjp) and inputs (jvp).
    _, g = AF.vjp(lambda x: (x ** 2).sum(), t64(X))
    close(g, 2 * X)
    _, d = AF.jvp(lambda x: x * tg.tensor([1.0, 2.0], dtype=tg.float64), t64([3.0]))
    close(d, [1.0, 2.0])


def test_products_check_their_vectors_and_keep_graphs_when_asked():
    with pytest.raises(RuntimeError, match="v has invalid size: should be \\[3\\] but got \\[2\\]"):
        AF.vjp(lambda x: x * 2, t64(X), t64([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda x: x * 2, t64(X))
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.jvp(lambda x: x * 2, t64(X))
    with pytest.raises(RuntimeError, match="should return a single Tensor"):
        AF.hvp(lambda x: (x.sum(), x.sum()), t64(X), t64(X))
    x = t64(X).requires_grad_()
    _, g = AF.vjp(lambda x: (x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad
    g.sum().backward()  # d/dx sum(3 x^2) = 6 x
    close(x.grad, 6 * X)
    _, g = AF.vjp(lambda x: (x ** 3).sum(), t64(X))
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="does not require gradients"):
        AF.vjp(lambda x: tg.ones(3, dtype=tg.float64), t64(X), t64(X), strict=True)


# ---- tg.autograd.grad's extra arguments --------------------------------------------------------------

def test_grad_materializes_and_batches():
    x = t64(X).requires_grad_()
    unused = t64(Y).requires_grad_()
    (g,) = tg.autograd.grad((x * 2).sum(), unused, allow_unused=True)
    assert g is None
    gx, gu = tg.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    close(gx, 2 * np.ones(3))
    close(gu, np.zeros(3))
    with pytest.raises(ValueError, match="allow_unused"):
        tg.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)
    # Each row of a batch of grad_outputs gives one row of the result: here the Jacobian.
    y = x.exp()
    (jac,) = tg.autograd.grad(y, x, tg.eye(3, dtype=tg.float64), is_grads_batched=True)
    close(jac, np.diag(np.exp(X)))
    with pytest.raises(RuntimeError, match="batch"):
        tg.autograd.grad(x.exp(), x, is_grads_batched=True)


# ---- tg.func ---------------------------------------------------------------------------------------

def test_grad_argnums_aux_pytrees_and_errors():
    close(F.grad(quartic)(t64(X)), 4 * (X @ X) * X)
    gx, gy = F.grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(t64(X), t64(Y))
    close(gx, Y)
    close(gy, X)
    g, aux = F.grad(lambda x: ((x ** 2).sum(), x * 3), has_aux=True)(t64(X))
    close(g, 2 * X)
    close(aux, 3 * X)
    params = {"w": t64(X), "b": t64([0.5])}
    grads = F.grad(lambda p, y: ((p["w"] * y).sum() + p["b"]).squeeze() ** 2)(params, t64(Y))
    s = X @ Y + 0.5
    assert set(grads) == {"w", "b"}
    close(grads["w"], 2 * s * Y)
    close(grads["b"], [2 * s])
    g, value = F.grad_and_value(quartic)(t64(X))
    close(value, (X @ X) ** 2)
    assert not g.requires_grad and not value.requires_grad
    with pytest.raises(RuntimeError, match="scalar Tensor"):
        F.grad(lambda x: x * 2)(t64(X))
    with pytest.raises(RuntimeError, match="only 1 positional inputs"):
        F.grad(quartic, argnums=1)(t64(X))
    with pytest.raises(RuntimeError, match="unique"):
        F.grad(lambda x, y: x.sum(), argnums=(0, 0))(t64(X), t64(Y))
    with pytest.raises(RuntimeError, match="tuple: \\(output, aux\\)"):
        F.grad(quartic, has_aux=True)(t64(X))
    with pytest.raises(RuntimeError, match="floating point"):
        F.grad(lambda x: x.sum())(tg.tensor([1, 2]))


def test_transforms_nest_and_compose_with_autograd():
    # d2/dx2 of sum(x^3) = 6 x, through grad of grad.
    second = F.grad(lambda x: F.grad(lambda y: (y ** 3).sum())(x).sum())(t64(X))
    close(second, 6 * X)
    close(F.hessian(quartic)(t64(X)), quartic_hessian(X))
    close(F.jacfwd(F.jacrev(quartic))(t64(X)), quartic_hessian(X))
    # An input that requires grad outside: the gradient is differentiable with respect to it.
    x = t64(X).requires_grad_()
    g = F.grad(lambda y: (y ** 3).sum())(x)
    assert g.requires_grad
    g.sum().backward()
    close(x.grad, 6 * X)


def test_func_vjp_and_jvp():
    out, vjp_fn = F.vjp(lambda x, y: {"a": x * y, "b": (x ** 2).sum()}, t64(X), t64(Y))
    close(out["a"], X * Y)
    gx, gy = vjp_fn({"a": t64(np.ones(3)), "b": t64(2.0)})
    close(gx, Y + 4 * X)
    close(gy, X)
    again = vjp_fn({"a": t64(np.zeros(3)), "b": t64(1.0)})  # the tape is kept for another call
    close(again[0], 2 * X)
    with pytest.raises(RuntimeError, match="pytree structure"):
        vjp_fn(t64(np.ones(3)))
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        vjp_fn({"a": t64(np.ones(2)), "b": t64(1.0)})
    out, fn, aux = F.vjp(lambda x: (x.sum(), x * 2), t64(X), has_aux=True)
    close(fn(t64(1.0))[0], np.ones(3))
    close(aux, 2 * X)
    c = np.cos(np.exp(X) * Y)
    out, jv = F.jvp(elementwise, (t64(X), t64(Y)), (t64(Y), t64(X)))
    close(jv, c * np.exp(X) * Y * Y + c * np.exp(X) * X)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        F.jvp(elementwise, t64(X), (t64(Y),))
    with pytest.raises(RuntimeError, match="same python structure"):
        F.jvp(elementwise, (t64(X), t64(Y)), (t64(Y),))
    with pytest.raises(RuntimeError, match="same shape"):
        F.jvp(lambda x: x, (t64(X),), (t64([1.0]),))
    with pytest.raises(RuntimeError, match="independent of the inputs"):
        F.jvp(lambda x: tg.ones(2, dtype=tg.float64), (t64(X),), (t64(Y),), strict=True)


def test_jacrev_and_jacfwd_nest_as_outputs_then_inputs():
    c = np.cos(np.exp(X) * Y)
    for transform in (F.jacrev, F.jacfwd):
        jx, jy = transform(elementwise, argnums=(0, 1))(t64(X), t64(Y))
        close(jx, np.diag(c * np.exp(X) * Y))
        close(jy, np.diag(c * np.exp(X)))
        jac = transform(lambda x: {"double": x * 2, "total": x.sum()})(t64(X))
        close(jac["double"], 2 * np.eye(3))
        close(jac["total"], np.ones(3))
        jac, aux = transform(lambda x: (x.exp(), x.sum()), has_aux=True)(t64(X))
        close(jac, np.diag(np.exp(X)))
        close(aux, X.sum())
    with pytest.raises(ValueError, match="chunk_size"):
        F.jacrev(quartic, chunk_size=0)


def test_vmap_maps_dims_and_stacks_outputs():
    m = np.arange(12.0).reshape(4, 3)
    close(F.vmap(lambda row: row.sum())(t64(m)), m.sum(1))
    close(tg.vmap(lambda col: col * 2, in_dims=1, out_dims=1)(t64(m)), 2 * m)
    close(F.vmap(lambda row, v: row @ v, in_dims=(0, None))(t64(m), t64(Y)), m @ Y)
    close(F.vmap(lambda col: col.sum(), in_dims=-1)(t64(m)), m.sum(0))
    close(F.vmap(lambda r: r * 1, out_dims=-1)(t64(m)), m.T)
    pair = F.vmap(lambda r, scale=1.0: (r.sum() * scale, {"max": r.max()}))(t64(m), scale=2.0)
    close(pair[0], 2 * m.sum(1))
    close(pair[1]["max"], m.max(1))
    # in_dims nested as the inputs; out_dims as the outputs (None: not stacked).
    d = {"a": t64(m), "b": t64(m.T)}
    close(F.vmap(lambda p: p["a"] + p["b"], in_dims=({"a": 0, "b": 1},))(d), 2 * m)
    shared, rows = F.vmap(lambda r: (t64(7.0), r), out_dims=(None, 0))(t64(m))
    close(shared, 7.0)
    close(rows, m)
    # vmap of vmap: an elementwise op over both dims.
    close(F.vmap(F.vmap(lambda v: v * v))(t64(m)), m * m)


def test_vmap_errors_and_randomness():
    m = t64(np.ones((4, 3)))
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        F.vmap(lambda a, b: a + b)(m, t64(np.ones((5, 3))))
    with pytest.raises(ValueError, match="at least one Tensor must be mapped"):
        F.vmap(lambda a: a, in_dims=None)(m)
    with pytest.raises(ValueError, match="non-Tensor"):
        F.vmap(lambda a, b: a * b, in_dims=(0, 0))(m, 2.0)
    with pytest.raises(ValueError, match="-2 <= in_dim < 2"):
        F.vmap(lambda a: a, in_dims=2)(m)
    with pytest.raises(ValueError, match="in_dims is not compatible"):
        F.vmap(lambda a, b: a, in_dims=(0,))(m, m)
    with pytest.raises(ValueError, match="must only return Tensors"):
        F.vmap(lambda a: 1.0)(m)
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        F.vmap(lambda a: a, randomness="sometimes")
    with pytest.raises(RuntimeError, match="randomness error mode"):
        F.vmap(lambda a: a + tg.rand(3))(m)
    same = F.vmap(lambda a: a * tg.rand(3, dtype=tg.float64), randomness="same")(m)
    close(same - same[0], np.zeros((4, 3)))
    different = F.vmap(lambda a: a * tg.rand(3, dtype=tg.float64), randomness="different")(m)
    assert not np.allclose(np.asarray(different[0]), np.asarray(different[1]))


def test_per_sample_gradients_and_ensembles():
    tg.manual_seed(0)
    model = nn.Linear(3, 2).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    xs = t64(np.random.RandomState(0).randn(5, 3))

    def loss(p, x):
        return F.functional_call(model, p, (x,)).pow(2).sum()

    per_sample = F.vmap(F.grad(loss), in_dims=(None, 0))(params, xs)
    assert tuple(per_sample["weight"].shape) == (5, 2, 3)
    for i in range(5):
        model.zero_grad()
        model(xs[i]).pow(2).sum().backward()
        close(per_sample["weight"][i], np.asarray(model.weight.grad))
        close(per_sample["bias"][i], np.asarray(model.bias.grad))
    models = [nn.Linear(3, 2).double() for _ in range(3)]
    stacked, buffers = F.stack_module_state(models)
    assert buffers == {} and tuple(stacked["weight"].shape) == (3, 2, 3) and stacked["weight"].requires_grad
    out = F.vmap(lambda p, x: F.functional_call(models[0], p, (x,)), in_dims=(0, None))(stacked, xs)
    for i, mod in enumerate(models):
        close(out[i], np.asarray(mod(xs).detach()))
    with pytest.raises(RuntimeError, match="at least one model"):
        F.stack_module_state([])
    with pytest.raises(RuntimeError, match="same class"):
        F.stack_module_state([nn.Linear(3, 2), nn.Tanh()])


def test_against_torch_func():
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(3)
    a, b = rng.randn(4), rng.randn(4)

    def f(lib):
        return lambda x, y: ((x.sin() * y).exp() + x * x * y).sum() * x.tanh().sum()

    T = lambda v: torch.tensor(v)  # noqa: E731
    close(F.hessian(f(tg), argnums=(0, 1))(t64(a), t64(b))[0][1],
          torch.func.hessian(f(torch), argnums=(0, 1))(T(a), T(b))[0][1].numpy(), 1e-9)
    close(AF.hvp(f(tg), (t64(a), t64(b)), (t64(b), t64(a)))[1][0],
          torch.autograd.functional.hvp(f(torch), (T(a), T(b)), (T(b), T(a)))[1][0].numpy(), 1e-9)
    close(F.jvp(lambda x: x.sin() * x.sum(), (t64(a),), (t64(b),))[1],
          torch.func.jvp(lambda x: x.sin() * x.sum(), (T(a),), (T(b),))[1].numpy())
    m = rng.randn(3, 4)
    close(F.vmap(F.jacrev(lambda x: x.softmax(0)))(t64(m)),
          torch.func.vmap(torch.func.jacrev(lambda x: x.softmax(0)))(T(m)).numpy())
