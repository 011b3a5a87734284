"""tg.nn.attention.bias: torch's causal attention biases for scaled_dot_product_attention.
``causal_upper_left(L, S)`` lets query i see keys 0 .. i (``is_causal=True``'s mask);
``causal_lower_right(L, S)`` aligns the diagonal to the last key, so query i sees keys
0 .. i + S - L (a query block at the end of a longer key sequence, as in decoding with a cache);
rows that see no key give zeros. A CausalBias is a bool tensor of that mask, made again on the
query's device when scaled_dot_product_attention receives it."""
import enum as _enum

from ... import _C

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(_enum.IntEnum):
    """Where the causal mask's diagonal starts: the upper left corner or the lower right one."""
    UPPER_LEFT = 1
    LOWER_RIGHT = 2


def _causal_mask(variant, seq_len_q, seq_len_kv, device):
    allowed = _C.ones(seq_len_q, seq_len_kv, dtype=_C.bool, device=device)
    return allowed.tril() if variant == CausalVariant.UPPER_LEFT else allowed.tril(diagonal=seq_len_kv - seq_len_q)


class CausalBias(_C.Tensor):
    """A causal mask of ``seq_len_q`` queries over ``seq_len_kv`` keys, of either variant."""

    def __init__(self, variant, seq_len_q, seq_len_kv):
        if not isinstance(variant, CausalVariant):
            raise TypeError(f"CausalBias: variant must be a CausalVariant, got {variant!r}")
        if not all(isinstance(n, int) and n >= 0 for n in (seq_len_q, seq_len_kv)):
            raise ValueError(f"CausalBias: the lengths must be non-negative ints, got {seq_len_q!r} and "
                             f"{seq_len_kv!r}")
        super().__init__(_causal_mask(variant, seq_len_q, seq_len_kv, None))
        self.variant, self.seq_len_q, self.seq_len_kv = variant, seq_len_q, seq_len_kv
        _C._keep_identity(self)

    def _upper_left(self, device):
        return _causal_mask(CausalVariant.UPPER_LEFT, self.seq_len_q, self.seq_len_kv, device)

    def _lower_right(self, device):
        return _causal_mask(CausalVariant.LOWER_RIGHT, self.seq_len_q, self.seq_len_kv, device)

    def _materialize(self, device=None):
        """The mask as a plain bool tensor of shape [seq_len_q, seq_len_kv] on ``device``."""
        return _causal_mask(self.variant, self.seq_len_q, self.seq_len_kv, device)

    def __repr__(self):
        return repr(self._materialize())


def _lengths(op, size):
    if len(size) != 2:
        raise ValueError(f"{op} only supports 2D tensors: give (seq_len_q, seq_len_kv), got {size!r}")
    return size


def causal_upper_left(*size):
    """The upper-left causal bias of (seq_len_q, seq_len_kv)."""
    return CausalBias(CausalVariant.UPPER_LEFT, *_lengths("causal_upper_left", size))


def causal_lower_right(*size):
    """The lower-right causal bias of (seq_len_q, seq_len_kv)."""
    return CausalBias(CausalVariant.LOWER_RIGHT, *_lengths("causal_lower_right", size))
