"""tg.func's gradient transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian): functions
in, functions out, over pytrees (tuples, lists, dicts) of tensors, as torch.func's.

They run on the tape. Each call differentiates with respect to fresh copies of its inputs; when an
input already requires grad (a transform around this one, or plain autograd outside) the copy is
a view of it and the gradients are computed with create_graph, so transforms nest
(``grad(grad(f))``) and their results can be differentiated with autograd. jvp and linearize use
the double-backward trick on the tape (so they work through custom Functions that have no jvp,
which forward_ad's dual tensors refuse), jacfwd builds the same Jacobian as jacrev (one backward
pass per output element), and hessian is jacfwd(jacrev(f)).
"""
import functools

from .. import _C
from ..autograd.functional import _autograd_grad, _basis, _linearised
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..utils._pytree import tree_flatten, tree_unflatten

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian"]


def _argnums(argnums, num_args, api):
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple) and all(isinstance(a, int) and not isinstance(a, bool) for a in argnums):
        if not argnums:
            raise RuntimeError(f"{api}: argnums must be non-empty")
        nums = argnums
    else:
        raise RuntimeError(f"{api}: argnums must be int or Tuple[int, ...], got: {type(argnums).__name__}")
    for a in nums:
        if not -num_args <= a < num_args:
            raise RuntimeError(f"{api}: Got argnums={argnums}, but only {num_args} positional inputs")
    wrapped = tuple(a % num_args for a in nums)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"{api}: argnums must be unique, got {argnums}")
    return wrapped


def _primals(args, argnums):
    """The differentiated arguments: args[argnums] for an int, a tuple of them for a tuple."""
    return args[argnums] if isinstance(argnums, int) else tuple(args[i] for i in argnums)


def _with_primals(args, argnums, nums, diff):
    new_args = list(args)
    if isinstance(argnums, int):
        new_args[nums[0]] = diff
    else:
        for i, value in zip(nums, diff):
            new_args[i] = value
    return new_args


class _Level:
    """One transform's view of its differentiated inputs: the copies func sees, and whether the
    gradients must stay differentiable (an outer transform or autograd holds the originals)."""

    def __init__(self, primals, api):
        leaves, self.spec = tree_flatten(primals)
        for x in leaves:
            if not isinstance(x, _C.Tensor):
                raise RuntimeError(f"{api}: Expected the differentiated inputs to be Tensors (or tuples, lists and "
                                   f"dicts of them), got {type(x).__name__}")
            if not x.is_floating_point():
                raise RuntimeError(f"{api}: only Tensors of floating point dtype can be differentiated, got one of "
                                   f"dtype {x.dtype}")
        self.create_graph = is_grad_enabled() and any(x.requires_grad for x in leaves)
        self.inputs = [x.view_as(x) if self.create_graph and x.requires_grad else x.detach().requires_grad_()
                       for x in leaves]

    def tree(self):
        return tree_unflatten(self.inputs, self.spec)

    def grads(self, outputs, cotangents, retain_graph=None, create_graph=None):
        """d(sum <outputs, cotangents>)/d(inputs), zeros for the inputs no output reaches."""
        create_graph = self.create_graph if create_graph is None else create_graph
        gs = _autograd_grad(outputs, self.inputs, cotangents, create_graph=create_graph, retain_graph=retain_graph)
        return [_C.zeros_like(x) if g is None else (g if create_graph else g.detach()) for g, x in zip(gs, self.inputs)]

    def finish(self, tree):
        """Outputs handed back: detached unless they must stay differentiable."""
        if self.create_graph:
            return tree
        leaves, spec = tree_flatten(tree)
        return tree_unflatten([x.detach() if isinstance(x, _C.Tensor) else x for x in leaves], spec)


def _split_aux(output, has_aux, api):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{api}(f, ...)(*args): output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return output


def _tensor_leaves(output, api):
    leaves, spec = tree_flatten(output)
    for x in leaves:
        if not isinstance(x, _C.Tensor):
            raise RuntimeError(f"{api}: Expected f to be a function that has only Tensors (or tuples, lists and dicts "
                               f"of them) as outputs, got {type(x).__name__}")
    return leaves, spec


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (gradient of func with respect to args[argnums], func's value); func
    returns a scalar Tensor (and an auxiliary output with has_aux: then (grad, (value, aux)))."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args), "grad_and_value")
        level = _Level(_primals(args, argnums), "grad_and_value")
        with enable_grad():
            output = func(*_with_primals(args, argnums, nums, level.tree()), **kwargs)
            output, aux = _split_aux(output, has_aux, "grad_and_value")
            if not isinstance(output, _C.Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output).__name__}")
            if output.dim() != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            grads = tree_unflatten(level.grads([output], [None]), level.spec)
        value = level.finish(output)
        if has_aux:
            return grads, (value, level.finish(aux))
        return grads, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func (a scalar Tensor) with respect to args[argnums]
    (a Tensor, a pytree of them, or a tuple of those for a tuple of argnums); with has_aux,
    (gradient, aux)."""
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = inner(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents), with cotangents shaped as func's output,
    returns a tuple with the vector-Jacobian product for each primal. It may be called again (the
    tape is kept)."""
    level = _Level(primals, "vjp")
    with enable_grad():
        output = func(*level.tree())
        output, aux = _split_aux(output, has_aux, "vjp")
        out_leaves, out_spec = _tensor_leaves(output, "vjp")

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        ct_leaves, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                               f"to the function. cotangents: {ct_spec!r}, primal output: {out_spec!r}")
        for i, (out, ct) in enumerate(zip(out_leaves, ct_leaves)):
            if not isinstance(ct, _C.Tensor):
                raise RuntimeError(f"vjp_fn: cotangent {i} must be a Tensor, got {type(ct).__name__}")
            if tuple(ct.shape) != tuple(out.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(ct.shape)} and "
                                   f"output[{i}] has a shape of {list(out.shape)}.")
        with enable_grad():
            grads = level.grads(out_leaves, ct_leaves, retain_graph=retain_graph, create_graph=create_graph)
        return tree_unflatten(grads, level.spec)

    result = (level.finish(output), vjp_fn)
    return result + (level.finish(aux),) if has_aux else result


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents[, aux]): the Jacobian-vector product, shaped as func's output,
    by the double-backward trick (the gradient of u -> J^T u with respect to u, applied to the
    tangents), so func's ops need differentiable backward passes. With strict, an output that
    does not depend on the primals is an error rather than zeros."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call "
                           "f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. Got primals with structure {p_spec!r} and tangents with structure {t_spec!r}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(t, _C.Tensor) or tuple(t.shape) != tuple(p.shape):
            shape = list(t.shape) if isinstance(t, _C.Tensor) else type(t).__name__
            raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same shape, got "
                               f"primal of shape {list(p.shape)} and tangent {shape}")
    level = _Level(primals, "jvp")
    with enable_grad():
        output = func(*level.tree())
        output, aux = _split_aux(output, has_aux, "jvp")
        out_leaves, out_spec = _tensor_leaves(output, "jvp")
        us, vjps = _linearised(out_leaves, level.inputs)
        jvps = _autograd_grad(vjps, us, t_leaves, create_graph=level.create_graph)
        if strict and any(j is None for j in jvps):
            raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is independent of the inputs. "
                               "This is not allowed with strict=True.")
        jvps = [_C.zeros_like(o) if j is None else j for j, o in zip(jvps, out_leaves)]
    result = (level.finish(output), level.finish(tree_unflatten(jvps, out_spec)))
    return result + (level.finish(aux),) if has_aux else result


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents), with tangents shaped as the primals, returns
    J @ tangents shaped as func's output. func runs once; its tape and the double-backward trick's
    vector-Jacobian product are kept, so each jvp_fn call is one backward pass over them."""
    level = _Level(primals, "linearize")
    with enable_grad():
        output = func(*level.tree())
        out_leaves, out_spec = _tensor_leaves(output, "linearize")
        us, vjps = _linearised(out_leaves, level.inputs)

    def jvp_fn(*tangents):
        t_leaves, t_spec = tree_flatten(tangents)
        if t_spec != level.spec:
            raise RuntimeError(f"linearize: jvp_fn expected tangents with the primals' structure {level.spec!r}, got "
                               f"{t_spec!r}")
        for i, (x, t) in enumerate(zip(level.inputs, t_leaves)):
            if not isinstance(t, _C.Tensor) or tuple(t.shape) != tuple(x.shape) or t.dtype != x.dtype:
                got = f"{list(t.shape)} {t.dtype}" if isinstance(t, _C.Tensor) else type(t).__name__
                raise RuntimeError(f"linearize: jvp_fn expected tangent {i} of shape {list(x.shape)} and dtype "
                                   f"{x.dtype}, got {got}")
        with enable_grad():
            jvps = _autograd_grad(vjps, us, t_leaves, create_graph=level.create_graph, retain_graph=True)
        jvps = [_C.zeros_like(o) if j is None else j for j, o in zip(jvps, out_leaves)]
        return level.finish(tree_unflatten(jvps, out_spec))

    return level.finish(output), jvp_fn


def _jacobian(func, argnums, has_aux, api):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args), api)
        level = _Level(_primals(args, argnums), api)
        with enable_grad():
            output = func(*_with_primals(args, argnums, nums, level.tree()), **kwargs)
            output, aux = _split_aux(output, has_aux, api)
            out_leaves, out_spec = _tensor_leaves(output, api)
            per_output = []
            for out in out_leaves:
                rows = [level.grads([out], [_basis(out, j)], retain_graph=True) for j in range(out.numel())]
                per_input = []
                for k, x in enumerate(level.inputs):
                    shape = list(out.shape) + list(x.shape)
                    if rows:
                        per_input.append(_C.stack([row[k] for row in rows], 0).view(shape))
                    else:
                        per_input.append(_C.zeros(shape, dtype=x.dtype, device=x.device))
                per_output.append(tree_unflatten(per_input, level.spec))
        jac = tree_unflatten(per_output, out_spec)
        return (jac, level.finish(aux)) if has_aux else jac

    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """A function returning the Jacobian of func with respect to args[argnums]: for each output
    leaf, out.shape + input.shape (nested as the outputs, then as the differentiated inputs).
    chunk_size only bounds memory in PyTorch; each output element is one backward pass here."""
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"jacrev: `chunk_size` should be greater than 0. Got {chunk_size}")
    return _jacobian(func, argnums, has_aux, "jacrev")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian as jacrev gives it (tapegrad computes it with reverse-mode passes)."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    return _jacobian(func, argnums, has_aux, "jacfwd")


def hessian(func, argnums=0):
    """The Hessian of func (a scalar function) with respect to args[argnums]: jacfwd(jacrev(func))."""
    return jacfwd(jacrev(func, argnums), argnums)
