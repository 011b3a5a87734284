"""tg.nn.attention.flex_attention: torch's FlexAttention, run eagerly as torch's math reference
does. ``score_mod(score, b, h, q_idx, kv_idx)`` rewrites each attention score and
``mask_mod(b, h, q_idx, kv_idx)`` says which ones count; both are written as for one position and
called once on broadcasting index tensors (b of shape [B, 1, 1, 1], h [1, H, 1, 1], q_idx
[1, 1, L, 1], kv_idx [1, 1, 1, S]), so any elementwise code in them, indexing captured tensors
included, works as under torch's vmap. Scores are computed in float32 (float64 for float64
inputs) and differentiate through score_mod, captured tensors included. A BlockMask records which
128 x 128 blocks have any allowed position (torch's kv_num_blocks / kv_indices layout, full blocks
apart); here every position is computed, so it saves no work, but it gives the same results,
sparsity and dense block view as torch's."""
import inspect as _inspect
import math as _math
from typing import NamedTuple as _NamedTuple

from ... import _C

__all__ = ["BlockMask", "flex_attention", "AuxOutput", "AuxRequest", "FlexKernelOptions", "create_block_mask",
           "create_mask", "or_masks", "and_masks", "noop_mask"]

_DEFAULT_BLOCK = 128
FlexKernelOptions = dict  # torch's TypedDict of Triton tuning keys; nothing here reads them


class AuxRequest(_NamedTuple):
    """Which auxiliary outputs flex_attention returns (``return_aux=AuxRequest(lse=True)``)."""
    lse: bool = False
    max_scores: bool = False


class AuxOutput(_NamedTuple):
    """flex_attention's auxiliary outputs: each None unless requested."""
    lse: object = None
    max_scores: object = None


def noop_mask(batch, head, token_q, token_kv):
    """The mask_mod that allows every position."""
    return batch.new_ones(size=(), dtype=_C.bool, device=batch.device)


def _check_mods(mods):
    if not all(callable(m) for m in mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mods}")


def and_masks(*mask_mods):
    """The mask_mod allowing what every one of ``mask_mods`` allows."""
    _check_mods(mask_mods)

    def and_mask(b, h, q_idx, kv_idx):
        result = b.new_ones((), dtype=_C.bool)
        for mask in mask_mods:
            result = result & mask(b, h, q_idx, kv_idx)
        return result

    return and_mask


def or_masks(*mask_mods):
    """The mask_mod allowing what any of ``mask_mods`` allows."""
    _check_mods(mask_mods)

    def or_mask(b, h, q_idx, kv_idx):
        result = b.new_zeros((), dtype=_C.bool)
        for mask in mask_mods:
            result = result | mask(b, h, q_idx, kv_idx)
        return result

    return or_mask


def _indices(B, H, Q, KV, device):
    """b, h, q_idx, kv_idx as int64 tensors broadcasting to [B, H, Q, KV]."""
    def ar(n, dim):
        shape = [1, 1, 1, 1]
        shape[dim] = n
        return _C.arange(n, device=device).view(shape)
    return ar(B, 0), ar(H, 1), ar(Q, 2), ar(KV, 3)


def _is_score_mod(fn):
    try:
        params = [p for p in _inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    return len(params) == 5


def _mask_of(mask_mod, B, H, Q, KV, device):
    """mask_mod evaluated at every position, as a bool tensor of shape [B, H, Q, KV]."""
    allowed = mask_mod(*_indices(B, H, Q, KV, device))
    if not isinstance(allowed, _C.Tensor):
        allowed = _C.tensor(bool(allowed), device=device)
    return allowed.to(_C.bool).expand(B, H, Q, KV)


def create_mask(mod_fn, B, H, Q_LEN, KV_LEN, device=None):
    """The dense bool mask [B, H, Q_LEN, KV_LEN] of a mask_mod, or of a score_mod (where it does
    not give -inf from a zero score)."""
    B, H = B or 1, H or 1
    device = _C.device(device) if device is not None else _C.device("cpu")
    if _is_score_mod(mod_fn):
        b, h, q, kv = _indices(B, H, Q_LEN, KV_LEN, device)
        scores = mod_fn(_C.zeros(B, H, Q_LEN, KV_LEN, device=device), b, h, q, kv)
        return ~_C.isneginf(scores.expand(B, H, Q_LEN, KV_LEN))
    return _mask_of(mod_fn, B, H, Q_LEN, KV_LEN, device).clone()


def _block_sizes(BLOCK_SIZE):
    sizes = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else tuple(BLOCK_SIZE)
    if len(sizes) != 2 or not all(isinstance(s, int) and s > 0 for s in sizes):
        raise ValueError(f"BLOCK_SIZE must be a positive int or a pair of them, got {BLOCK_SIZE!r}")
    return sizes


def _count_and_order(blocks):
    """torch's (num_blocks, indices) of a bool block matrix: per row, how many are set and the
    column indices with the set ones first, each group in order."""
    return blocks.sum(-1).to(_C.int32), blocks.to(_C.int32).argsort(dim=-1, descending=True, stable=True).to(_C.int32)


def _blocks_of(num_blocks, indices, columns):
    """The bool block matrix that (num_blocks, indices) describe."""
    if num_blocks is None:
        return None
    listed = _C.arange(indices.shape[-1], device=indices.device) < num_blocks.unsqueeze(-1)
    out = _C.zeros(*indices.shape[:-1], columns, dtype=_C.int32, device=indices.device)
    return out.scatter_reduce(-1, indices.long(), listed.to(_C.int32), "amax").to(_C.bool)


class BlockMask:
    """Which BLOCK_SIZE blocks of the [Q_LEN, KV_LEN] score matrix have allowed positions, per
    batch and head (B, H may be 1 and then broadcast): ``kv_num_blocks`` / ``kv_indices`` the
    partly allowed blocks of each query block row, ``full_kv_*`` the wholly allowed ones (None
    when not kept apart), ``q_*`` the same per key block column; and the ``mask_mod`` applied
    inside partly allowed blocks. Made by ``create_block_mask`` or ``BlockMask.from_kv_blocks``."""

    _TENSORS = ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices", "q_num_blocks", "q_indices",
                "full_q_num_blocks", "full_q_indices")  # in the constructor's order

    def __init__(self, seq_lengths, kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices, q_num_blocks,
                 q_indices, full_q_num_blocks, full_q_indices, BLOCK_SIZE, mask_mod):
        self.seq_lengths = tuple(seq_lengths)
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_num_blocks, self.q_indices = q_num_blocks, q_indices
        self.full_q_num_blocks, self.full_q_indices = full_q_num_blocks, full_q_indices
        self.BLOCK_SIZE = _block_sizes(BLOCK_SIZE)
        self.mask_mod = mask_mod if mask_mod is not None else noop_mask

    @classmethod
    def _from_blocks(cls, partial, full, seq_lengths, BLOCK_SIZE, mask_mod):
        """From bool block matrices [B, H, Q blocks, KV blocks] of the partly and (None or) the
        wholly allowed blocks."""
        kv = _count_and_order(partial)
        q = _count_and_order(partial.transpose(-1, -2))
        full_kv = _count_and_order(full) if full is not None else (None, None)
        full_q = _count_and_order(full.transpose(-1, -2)) if full is not None else (None, None)
        return cls(seq_lengths, *kv, *full_kv, *q, *full_q, BLOCK_SIZE, mask_mod)

    @classmethod
    def from_kv_blocks(cls, kv_num_blocks, kv_indices, full_kv_num_blocks=None, full_kv_indices=None,
                       BLOCK_SIZE=_DEFAULT_BLOCK, mask_mod=None, seq_lengths=None, compute_q_blocks=True):
        """A BlockMask from the key-block view alone (the query-block one is derived)."""
        if kv_indices.dim() < 2 or kv_num_blocks.shape != kv_indices.shape[:-1]:
            raise RuntimeError(f"BlockMask.from_kv_blocks: kv_num_blocks (shape {list(kv_num_blocks.shape)}) must "
                               f"be kv_indices' shape (shape {list(kv_indices.shape)}) without its last dim")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise RuntimeError("BlockMask.from_kv_blocks: full_kv_num_blocks and full_kv_indices must be given "
                               "together")
        bq, bkv = _block_sizes(BLOCK_SIZE)
        columns = kv_indices.shape[-1]
        if seq_lengths is None:
            seq_lengths = (kv_indices.shape[-2] * bq, columns * bkv)
        partial = _blocks_of(kv_num_blocks, kv_indices, columns)
        full = _blocks_of(full_kv_num_blocks, full_kv_indices, columns)
        return cls._from_blocks(partial, full, seq_lengths, (bq, bkv), mask_mod)

    @property
    def shape(self):
        return (*self.kv_num_blocks.shape[:2], *self.seq_lengths)

    def _block_matrices(self):
        columns = self.kv_indices.shape[-1]
        return (_blocks_of(self.kv_num_blocks, self.kv_indices, columns),
                _blocks_of(self.full_kv_num_blocks, self.full_kv_indices, columns))

    def to_dense(self):
        """Which blocks are computed (partly or wholly allowed), int32 [B, H, Q blocks, KV blocks]."""
        partial, full = self._block_matrices()
        return (partial | full if full is not None else partial).to(_C.int32)

    def sparsity(self):
        """The percentage of blocks that no position of is allowed."""
        dense = self.to_dense()
        return 100 * (1 - float((dense != 0).sum()) / dense.numel())

    def _adjust(self, new_q_len, new_kv_len):
        """This mask cropped to its upper left [new_q_len, new_kv_len]."""
        bq, bkv = self.BLOCK_SIZE
        rows, cols = -(-new_q_len // bq), -(-new_kv_len // bkv)
        partial, full = self._block_matrices()
        crop = (lambda m: None if m is None else m[:, :, :rows, :cols].contiguous())
        return BlockMask._from_blocks(crop(partial), crop(full), (new_q_len, new_kv_len), self.BLOCK_SIZE,
                                      self.mask_mod)

    def to(self, device):
        """The mask with its tensors on ``device``."""
        move = (lambda t: None if t is None else t.to(device))
        return BlockMask(self.seq_lengths, *(move(getattr(self, n)) for n in self._TENSORS), self.BLOCK_SIZE,
                         self.mask_mod)

    def _allowed(self, B, H, device):
        """Which positions count, bool [B or 1, H or 1, Q_LEN, KV_LEN]: the blocks' view, and
        mask_mod inside the partly allowed blocks."""
        q_len, kv_len = self.seq_lengths
        bq, bkv = self.BLOCK_SIZE
        partial, full = self._block_matrices()

        def spread(blocks):
            return blocks.repeat_interleave(bq, dim=2)[:, :, :q_len].repeat_interleave(bkv, dim=3)[..., :kv_len]

        mb, mh = partial.shape[:2]
        allowed = spread(partial).to(device) & _mask_of(self.mask_mod, mb, mh, q_len, kv_len, device)
        return allowed | spread(full).to(device) if full is not None else allowed

    def __repr__(self):
        def shape(t):
            return None if t is None else f"tapegrad.Size({list(t.shape)})"
        name = getattr(self.mask_mod, "__name__", repr(self.mask_mod))
        fields = [f"{n}={shape(getattr(self, n))}" for n in self._TENSORS]
        fields += [f"BLOCK_SIZE={self.BLOCK_SIZE}", f"shape={self.shape}", f"sparsity={self.sparsity():.2f}%",
                   f"mask_mod={name}"]
        return "BlockMask(\n" + "".join(f"    {f},\n" for f in fields[:-1]) + f"    {fields[-1]}\n)"


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device=None, BLOCK_SIZE=_DEFAULT_BLOCK, _compile=False,
                      separate_full_blocks=True, compute_dq_write_order=False, dq_kv_order=True):
    """The BlockMask of ``mask_mod`` over [B, H, Q_LEN, KV_LEN] (B or H None: one, broadcast): a
    block is wholly allowed when mask_mod allows all of its positions (those past the lengths
    count as not allowed), partly when some."""
    B, H = B or 1, H or 1
    device = _C.device(device) if device is not None else _C.device("cpu")
    bq, bkv = _block_sizes(BLOCK_SIZE)
    rows, cols = -(-Q_LEN // bq), -(-KV_LEN // bkv)
    padded = _C.zeros(B, H, rows * bq, cols * bkv, dtype=_C.bool, device=device)
    padded[:, :, :Q_LEN, :KV_LEN] = _mask_of(mask_mod, B, H, Q_LEN, KV_LEN, device)
    blocks = padded.view(B, H, rows, bq, cols, bkv)
    any_set = blocks.any(dim=5).any(dim=3)
    if not separate_full_blocks:
        return BlockMask._from_blocks(any_set, None, (Q_LEN, KV_LEN), (bq, bkv), mask_mod)
    full = blocks.all(dim=5).all(dim=3)
    return BlockMask._from_blocks(any_set & ~full, full, (Q_LEN, KV_LEN), (bq, bkv), mask_mod)


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    """softmax(score_mod(query @ key^T * scale) where allowed) @ value over [B, H, L, E] queries
    and [B, Hkv, S, E] / [B, Hkv, S, Ev] keys and values (a key batch of 1 broadcasts; Hkv
    dividing H with ``enable_gqa``). Rows with no allowed position give zeros (and an lse of
    -inf). ``return_lse`` adds the log-sum-exp of each row's scores, ``return_aux=AuxRequest(...)``
    an AuxOutput of it and/or each row's largest score (natural-log units, as torch returns)."""
    op = "flex_attention"
    tensors = (query, key, value)
    if not all(isinstance(t, _C.Tensor) for t in tensors):
        raise TypeError(f"{op}: query, key and value must be tensors")
    if any(t.dim() != 4 for t in tensors):
        raise NotImplementedError(f"NYI: query, key, and value must be 4D tensors, got shapes "
                                  f"{[list(t.shape) for t in tensors]}")
    if len({t.dtype for t in tensors}) != 1 or not query.is_floating_point():
        raise ValueError(f"{op}: query, key and value must have one floating-point dtype, got "
                         f"{[str(t.dtype) for t in tensors]}")
    if len({t.device for t in tensors}) != 1:
        raise ValueError(f"{op}: query, key and value must be on one device, got {[str(t.device) for t in tensors]}")
    B, Hq, L, E = query.shape
    Bkv, Hkv, S, Ek = key.shape
    if tuple(value.shape[:3]) != (Bkv, Hkv, S):
        raise ValueError(f"{op}: key (shape {list(key.shape)}) and value (shape {list(value.shape)}) must agree "
                         "in batch, heads and length")
    if not (Bkv == B or Bkv == 1):
        raise RuntimeError(f"Bq and Bkv must broadcast. Got Bq={B} and Bkv={Bkv}")
    if E != Ek:
        raise ValueError(f"Expect query and key to have the same embedding dimension but got E={E} and E={Ek}.")
    if enable_gqa:
        if Hq % Hkv != 0:
            raise ValueError(f"Expect number of query heads to be a multiple of kv heads for GQA but got Hq={Hq} "
                             f"and Hkv={Hkv}.")
    elif Hq != Hkv:
        raise ValueError(f"Expect query and key/value to have the same number of heads but got Hq={Hq} and "
                         f"Hkv={Hkv}. Try setting enable_gqa=True for GQA.")
    if block_mask is not None:
        if not isinstance(block_mask, BlockMask):
            raise TypeError(f"{op}: block_mask must be a BlockMask, got {type(block_mask).__name__}")
        mq, mkv = block_mask.seq_lengths
        if mq > L or mkv > S:
            raise RuntimeError("block_mask was created for a larger length than you're using it for, you can either "
                               "1. create a new block mask with the correct length, or 2. 'adjust' the existing block "
                               "mask to the correct length by calling block_mask._adjust(q_len, kv_len). This "
                               "essentially 'crops' the block mask to the upper left corner and does not work for all "
                               "mask_mods!")
        if (mq, mkv) != (L, S):
            raise ValueError(f"{op}: block_mask was created for lengths ({mq}, {mkv}), shorter than the query's {L} "
                             f"and the key's {S}")
        mb, mh = block_mask.kv_num_blocks.shape[:2]
        if mb not in (1, B) or mh not in (1, Hq):
            raise ValueError(f"{op}: block_mask's batch and heads ({mb}, {mh}) must be 1 or the query's ({B}, {Hq})")
    scale = 1.0 / _math.sqrt(E) if scale is None else float(scale)
    group = Hq // Hkv
    if group > 1:
        key, value = key.repeat_interleave(group, dim=1), value.repeat_interleave(group, dim=1)
    work = _C.float64 if query.dtype == _C.float64 else _C.float32
    scores = (query.to(work) @ key.to(work).transpose(-2, -1)) * scale
    if score_mod is not None:
        scores = score_mod(scores, *_indices(B, Hq, L, S, query.device)).to(work).expand(B, Hq, L, S)
    if block_mask is not None:
        scores = scores.masked_fill(~block_mask._allowed(B, Hq, query.device), float("-inf"))
    # softmax with rows that allow nothing giving zeros, and finite gradients for them
    row_max = (scores.detach().amax(dim=-1, keepdim=True) if S > 0
               else _C.full((B, Hq, L, 1), float("-inf"), dtype=work, device=query.device))  # no keys at all
    empty = _C.isneginf(row_max)
    exp = (scores - row_max.masked_fill(empty, 0.0)).exp()
    total = exp.sum(dim=-1, keepdim=True)
    probs = exp / total.masked_fill(total == 0, 1.0)
    out = probs.to(query.dtype) @ value
    want_lse = return_lse or (return_aux is not None and return_aux.lse)
    lse = (row_max.masked_fill(empty, 0.0) + total.log()).squeeze(-1) if want_lse else None
    if return_aux is not None:
        max_scores = row_max.squeeze(-1) if return_aux.max_scores else None
        return out, AuxOutput(lse=lse, max_scores=max_scores)
    return (out, lse) if return_lse else out
