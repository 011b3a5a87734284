"""torch.func.rearrange: einops' rearrange, a reshape and permute spelled as a pattern
("b (h w) c -> b c h w", h=4). It is one view or copy of the input (through reshape and permute),
so gradients flow as through those."""
import math as _math

from .. import _C

__all__ = ["rearrange"]

_ELLIPSIS = "\u2026"  # "..." once parsed


def _parse_side(text, side):
    """The groups of one side of a pattern: a list of lists of axis names, where a name alone is a
    group of one, "(a b)" a group of several, "()" or "1" a group of none (a dim of size 1)."""
    text = text.replace("...", f" {_ELLIPSIS} ")
    groups, current = [], None
    for token in text.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError(f"rearrange: nested parentheses in the {side} side of the pattern")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"rearrange: unmatched ')' in the {side} side of the pattern")
            groups.append(current)
            current = None
        else:
            if token == "1":
                names = []
            elif token == _ELLIPSIS or token.isidentifier():
                names = [token]
            else:
                raise ValueError(f"rearrange: '{token}' is not an axis name (an identifier, '...' or 1)")
            if current is None:
                groups.append(tuple(names) if token == _ELLIPSIS else names)  # a bare "...": a tuple
            else:
                current.extend(names)
    if current is not None:
        raise ValueError(f"rearrange: unmatched '(' in the {side} side of the pattern")
    names = [n for g in groups for n in g]
    for n in set(names):
        if names.count(n) > 1:
            raise ValueError(f"rearrange: the axis '{n}' appears twice in the {side} side of the pattern")
    return groups


def rearrange(tensor, pattern, **axes_lengths):
    """``tensor`` (or a list of tensors, stacked along a new first dim) rearranged by ``pattern``:
    the left side names the input's dims (a parenthesized group splits one dim, the sizes of all
    but one of its axes given as keywords), the right side the output's (a group merges dims).
    "..." stands for any number of dims, "1" or "()" for a dim of size 1."""
    if isinstance(tensor, (list, tuple)):
        tensor = _C.stack(list(tensor))
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern must be 'input axes -> output axes', got {pattern!r}")
    left_text, right_text = pattern.split("->")
    left, right = _parse_side(left_text, "left"), _parse_side(right_text, "right")
    left_names = [n for g in left for n in g]
    right_names = [n for g in right for n in g]
    if set(left_names) != set(right_names):
        only = sorted(set(left_names) ^ set(right_names))
        raise ValueError(f"rearrange: the axes {only} must appear on both sides of '{pattern}'")
    for name in axes_lengths:
        if name not in left_names:
            raise ValueError(f"rearrange: the size of '{name}' is given but the pattern has no such axis")
    if any(_ELLIPSIS in g and len(g) > 1 for g in left):
        raise ValueError("rearrange: '...' can't be inside parentheses on the left side")
    # Expand the ellipsis into the dims it covers.
    has_ellipsis = _ELLIPSIS in left_names
    fixed = len(left) - int(has_ellipsis)
    if (tensor.dim() < fixed) if has_ellipsis else (tensor.dim() != fixed):
        raise ValueError(f"rearrange: '{left_text.strip()}' names {fixed} dims{' or more' if has_ellipsis else ''}, "
                         f"but the input has {tensor.dim()} (shape {list(tensor.shape)})")
    covered = [f"{_ELLIPSIS}{i}" for i in range(tensor.dim() - fixed)] if has_ellipsis else []

    def expand(groups):
        # a bare "..." is a group per dim it covers, "(...)" one group of them all
        out = []
        for g in groups:
            if isinstance(g, tuple):
                out.extend([c] for c in covered)
            else:
                out.append([m for n in g for m in (covered if n == _ELLIPSIS else [n])])
        return out
    left, right = expand(left), expand(right)
    # The size of each elementary axis, from the input's dims and the given sizes.
    sizes = {}
    for group, size in zip(left, tensor.shape):
        unknown = [n for n in group if n not in axes_lengths]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: can't split a dim of size {size} into {group}; give the sizes of all but "
                             "one of them")
        known = _math.prod(axes_lengths[n] for n in group if n in axes_lengths)
        if (size % known if known else size) != 0 or (not unknown and known != size):
            raise ValueError(f"rearrange: a dim of size {size} can't be split into {group} with sizes "
                             f"{ {n: axes_lengths[n] for n in group if n in axes_lengths} }")
        for n in group:
            sizes[n] = axes_lengths[n] if n in axes_lengths else size // known
    elementary = [n for g in left for n in g]
    order = [elementary.index(n) for g in right for n in g]
    out = tensor.reshape([sizes[n] for n in elementary])
    if order != list(range(len(order))):
        out = out.permute(order)
    return out.reshape([_math.prod(sizes[n] for n in g) for g in right])
