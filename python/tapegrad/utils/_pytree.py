"""Nested containers of tensors (tuples, lists, dicts, namedtuples) as flat lists of leaves and a
spec to rebuild them: what tg.func's transforms take and return, as torch.utils._pytree does."""

__all__ = ["TreeSpec", "tree_flatten", "tree_unflatten", "tree_map", "LEAF"]


class TreeSpec:
    """The shape of a tree: its container type, the keys of a dict (in order) and the children's
    specs; a leaf is the shared ``LEAF``."""
    __slots__ = ("kind", "context", "children")

    def __init__(self, kind, context, children):
        self.kind, self.context, self.children = kind, context, children

    @property
    def num_leaves(self):
        return 1 if self.kind is None else sum(c.num_leaves for c in self.children)

    def is_leaf(self):
        return self.kind is None

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and self.kind is other.kind and self.context == other.context
                and self.children == other.children)

    def __repr__(self):
        if self.kind is None:
            return "*"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.context, self.children)) + "}"
        if self.kind is list:
            return f"[{inner}]"
        if self.kind is tuple:
            return f"({inner},)" if len(self.children) == 1 else f"({inner})"
        return f"{self.kind.__name__}({inner})"


LEAF = TreeSpec(None, None, ())


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree):
    """(leaves in order, spec). Anything but a tuple, list or dict is a leaf."""
    leaves = []

    def walk(node):
        if isinstance(node, dict):
            keys = list(node.keys())
            return TreeSpec(dict, keys, [walk(node[k]) for k in keys])
        if _is_namedtuple(node):
            return TreeSpec(type(node), None, [walk(v) for v in node])
        if isinstance(node, (tuple, list)):
            return TreeSpec(tuple if isinstance(node, tuple) else list, None, [walk(v) for v in node])
        leaves.append(node)
        return LEAF

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves, spec):
    """The tree of ``spec`` holding ``leaves`` in order."""
    leaves = list(leaves)
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: the spec {spec!r} holds {spec.num_leaves} leaves, got {len(leaves)}")
    it = iter(leaves)

    def build(s):
        if s.kind is None:
            return next(it)
        children = [build(c) for c in s.children]
        if s.kind is dict:
            return dict(zip(s.context, children))
        if s.kind in (tuple, list):
            return s.kind(children)
        return s.kind(*children)  # a namedtuple

    return build(spec)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)
