"""tg.func.vmap (also tg.vmap): func mapped over a dim of its inputs, the results stacked, with
torch.vmap's in_dims, out_dims and randomness.

tapegrad has no batching rules: the mapped function runs once per entry of the mapped dim, on
that entry's slices, and the outputs are stacked. The results (and their gradients) are those
of torch.vmap; the time is that of a Python loop, so vmap suits per-sample gradients and
ensembles of small models, not replacing a batched op.
"""
import functools

from .. import _C
from ..utils._pytree import tree_flatten, tree_unflatten

__all__ = ["vmap"]

_RANDOMNESS = ("error", "different", "same")


def _name(func):
    return getattr(func, "__name__", type(func).__name__)


def _dims_for(dims, tree, what, target, prefix):
    """One dim (int or None) per leaf of tree: a single dim applies to every leaf, else dims
    mirrors tree's structure."""
    leaves, spec = tree_flatten(tree)
    if dims is None or isinstance(dims, int):
        return [dims] * len(leaves)
    dim_leaves, dim_spec = tree_flatten(dims)
    if dim_spec != spec:
        raise ValueError(f"{prefix}: {what} is not compatible with the structure of `{target}`. {what} has "
                         f"structure {dim_spec!r} but {target} has structure {spec!r}.")
    return dim_leaves


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """func vectorized over dim ``in_dims`` of its positional inputs (an int or None for all, or a
    tuple with one entry per input, nested as the input); the outputs stacked along ``out_dims``.
    randomness: 'error' (a random op inside is an error), 'different' (each entry draws its
    own numbers) or 'same' (every entry draws the same ones)."""
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    if not (in_dims is None or isinstance(in_dims, (int, tuple))):
        raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...): expected `in_dims` to be int or a (potentially "
                         f"nested) tuple matching the structure of inputs, got: {type(in_dims).__name__}.")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        prefix = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
        if isinstance(in_dims, tuple) and len(in_dims) != len(args):
            raise ValueError(f"{prefix}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"{len(in_dims)} entries but inputs has {len(args)}.")
        flat, args_spec = tree_flatten(args)
        dims = []
        for i, arg in enumerate(args):
            dims += _dims_for(in_dims[i] if isinstance(in_dims, tuple) else in_dims, arg, "in_dims", "inputs", prefix)
        sizes = []
        for x, d in zip(flat, dims):
            if d is None:
                continue
            if not isinstance(d, int) or isinstance(d, bool):
                raise ValueError(f"{prefix}: in_dims must be int or None, got {type(d).__name__}")
            if not isinstance(x, _C.Tensor):
                raise ValueError(f"{prefix}: Got in_dim={d} for an input but the input is of type {type(x).__name__}. "
                                 "We cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
            if not -x.dim() <= d < x.dim():
                raise ValueError(f"{prefix}: Got in_dim={d} for some input, but that input is a Tensor of "
                                 f"dimensionality {x.dim()} so expected in_dim to satisfy -{x.dim()} <= in_dim < "
                                 f"{x.dim()}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError(f"{prefix}: Got all in_dims=None, at least one Tensor must be mapped over")
        batch = sizes[0]
        if any(s != batch for s in sizes):
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        if batch == 0:
            raise ValueError(f"{prefix}: the mapped dim has size 0; tapegrad's vmap runs func once per entry, so it "
                             "cannot tell the shapes of an empty result")

        state = _C.get_rng_state() if randomness != "different" else None
        results, out_spec = [], None
        for b in range(batch):
            if randomness == "same":
                _C.set_rng_state(state)
            sliced = [x.select(d, b) if d is not None else x for x, d in zip(flat, dims)]
            out = func(*tree_unflatten(sliced, args_spec), **kwargs)
            if randomness == "error" and b == 0 and not bool((_C.get_rng_state() == state).all()):
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use "
                                   "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
            leaves, spec = tree_flatten(out)
            if out_spec is None:
                out_spec = spec
            elif spec != out_spec:
                raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` returned outputs of different structures "
                                 f"for different entries: {out_spec!r} and {spec!r}")
            results.append(leaves)

        out = tree_unflatten(results[0], out_spec)
        dims_given = out_dims
        if isinstance(out_dims, tuple) and len(out_dims) == 1 and not isinstance(out, tuple):
            dims_given = out_dims[0]  # (0,) for a single output, as torch.vmap takes it
        out_dim_list = _dims_for(dims_given, out, "out_dims", "outputs",
                                 f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>)")
        stacked = []
        for k, d in enumerate(out_dim_list):
            column = [leaves[k] for leaves in results]
            if d is None:
                stacked.append(column[0])
                continue
            if not isinstance(column[0], _C.Tensor):
                raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                                 f"{type(column[0]).__name__}. Did you mean to set out_dims= to None for output?")
            rank = column[0].dim() + 1
            if not -rank <= d < rank:
                raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): out_dim {d} is out of range for an "
                                 f"output of {rank - 1} dims (expected -{rank} <= out_dim < {rank})")
            stacked.append(_C.stack(column, d % rank))
        return tree_unflatten(stacked, out_spec)

    return wrapped
