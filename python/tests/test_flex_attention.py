import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.nn.attention import flex_attention as fa


def causal(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


def reference(q, k, v, allowed, scale, bias=None):
    """softmax over the allowed scores, rows with none giving zeros, written out."""
    s = (q @ k.transpose(-1, -2)) * scale
    if bias is not None:
        s = s + bias
    s = s.masked_fill(~allowed, float("-inf"))
    p = tg.softmax(s, -1).nan_to_num(0.0)
    return p @ v, s.logsumexp(-1)


def test_score_mod_mask_mod_and_lse_match_the_math_with_gradients():
    gen = tg.Generator().manual_seed(0)
    q = tg.randn(2, 2, 7, 4, generator=gen, dtype=tg.float64, requires_grad=True)
    k = tg.randn(2, 2, 9, 4, generator=gen, dtype=tg.float64, requires_grad=True)
    v = tg.randn(2, 2, 9, 3, generator=gen, dtype=tg.float64, requires_grad=True)
    head_bias = tg.randn(2, generator=gen, dtype=tg.float64, requires_grad=True)

    def score_mod(score, b, h, q_idx, kv_idx):
        return score + head_bias[h] - 0.1 * (q_idx - kv_idx).abs()

    def mask_mod(b, h, q_idx, kv_idx):
        return (q_idx >= kv_idx) & (q_idx != 0)  # row 0 allows nothing

    mask = fa.create_block_mask(mask_mod, None, 2, 7, 9, BLOCK_SIZE=4)
    out, lse = fa.flex_attention(q, k, v, score_mod=score_mod, block_mask=mask, return_lse=True)
    idx = [tg.arange(n).view([n if d == i else 1 for d in range(4)]) for i, n in enumerate((2, 2, 7, 9))]
    allowed = mask_mod(*idx)
    bias = head_bias.view(1, 2, 1, 1) - 0.1 * (idx[2] - idx[3]).abs()
    want, want_lse = reference(q, k, v, allowed, 0.5, bias)
    assert tg.allclose(out, want, atol=1e-12) and out.dtype == tg.float64
    assert tg.allclose(lse, want_lse) and bool(tg.isneginf(lse[:, :, 0]).all())
    assert bool((out[:, :, 0] == 0).all())
    out.sum().backward()
    assert all(bool(t.grad.isfinite().all()) for t in (q, k, v, head_bias))
    assert float(head_bias.grad.abs().sum()) > 0

    def f(q, k, v, hb):
        return fa.flex_attention(q, k, v, score_mod=lambda s, b, h, qi, ki: s * hb[h], block_mask=mask)

    assert tg.autograd.gradcheck(f, (q.detach().requires_grad_(), k.detach().requires_grad_(),
                                     v.detach().requires_grad_(), head_bias.detach().requires_grad_()))


def test_gqa_scale_float32_and_aux_outputs():
    gen = tg.Generator().manual_seed(1)
    q = tg.randn(1, 4, 5, 8, generator=gen)
    k = tg.randn(1, 2, 6, 8, generator=gen)
    v = tg.randn(1, 2, 6, 8, generator=gen)
    out, aux = fa.flex_attention(q, k, v, enable_gqa=True, scale=0.2,
                                 return_aux=fa.AuxRequest(lse=True, max_scores=True))
    kk, vv = k.repeat_interleave(2, 1), v.repeat_interleave(2, 1)
    want, want_lse = reference(q, kk, vv, tg.ones(1, 1, 1, 1, dtype=tg.bool), 0.2)
    assert tg.allclose(out, want, atol=1e-6) and tg.allclose(aux.lse, want_lse, atol=1e-6)
    assert tg.allclose(aux.max_scores, ((q @ kk.transpose(-1, -2)) * 0.2).amax(-1), atol=1e-6)
    sdpa = tg.nn.functional.scaled_dot_product_attention(q, kk, vv, is_causal=True)
    assert tg.allclose(fa.flex_attention(q, kk, vv, block_mask=fa.create_block_mask(causal, 1, 4, 5, 6)),
                       tg.nn.functional.scaled_dot_product_attention(
                           q, kk, vv, attn_mask=tg.ones(5, 6, dtype=tg.bool).tril()), atol=1e-6)
    assert sdpa.shape == out.shape
    assert fa.flex_attention(q, k, v, enable_gqa=True, return_aux=fa.AuxRequest()) [1] == fa.AuxOutput()
    no_keys, lse = fa.flex_attention(q, k[:, :, :0], v[:, :, :0], enable_gqa=True, return_lse=True)
    assert no_keys.shape == (1, 4, 5, 8) and bool((no_keys == 0).all()) and bool(tg.isneginf(lse).all())
    half = fa.flex_attention(q.bfloat16(), kk.bfloat16(), vv.bfloat16())
    assert half.dtype == tg.bfloat16 and tg.allclose(half.float(), fa.flex_attention(q, kk, vv), atol=3e-2)


def test_block_masks_count_partial_and_full_blocks():
    m = fa.create_block_mask(causal, None, None, 300, 260)
    assert m.shape == (1, 1, 300, 260) and m.BLOCK_SIZE == (128, 128)
    # the last query block and key block hold positions past the lengths: never full
    assert m.kv_num_blocks.tolist() == [[[1, 1, 3]]] and m.full_kv_num_blocks.tolist() == [[[0, 1, 0]]]
    assert m.kv_indices.tolist() == [[[[0, 1, 2], [1, 0, 2], [0, 1, 2]]]]
    assert m.to_dense().tolist() == [[[[1, 0, 0], [1, 1, 0], [1, 1, 1]]]] and m.to_dense().dtype == tg.int32
    assert math.isclose(m.sparsity(), 100 / 3)
    assert m.q_num_blocks.tolist() == [[[2, 2, 1]]] and m.full_q_num_blocks.tolist() == [[[1, 0, 0]]]
    assert "sparsity=33.33%" in repr(m) and "mask_mod=causal" in repr(m)
    together = fa.create_block_mask(causal, 1, 1, 300, 260, separate_full_blocks=False)
    assert together.full_kv_num_blocks is None and together.kv_num_blocks.tolist() == [[[1, 2, 3]]]
    cropped = m._adjust(128, 128)
    assert cropped.shape == (1, 1, 128, 128) and cropped.to_dense().tolist() == [[[[1]]]]
    rebuilt = fa.BlockMask.from_kv_blocks(m.kv_num_blocks, m.kv_indices, m.full_kv_num_blocks, m.full_kv_indices,
                                          mask_mod=causal, seq_lengths=(300, 260))
    assert rebuilt.q_indices.tolist() == m.q_indices.tolist() and rebuilt.to("cpu").sparsity() == m.sparsity()
    assert fa.create_mask(causal, 1, 1, 3, 3).tolist() == [[[[True, False, False], [True, True, False],
                                                             [True, True, True]]]]
    no_future = fa.create_mask(lambda s, b, h, qi, ki: s.masked_fill(qi < ki, float("-inf")), 1, 1, 3, 3)
    assert no_future.tolist() == fa.create_mask(causal, 1, 1, 3, 3).tolist()
    both = fa.and_masks(causal, lambda b, h, qi, ki: ki > 0)
    either = fa.or_masks(causal, lambda b, h, qi, ki: ki == 2)
    assert fa.create_mask(both, 1, 1, 2, 2).tolist() == [[[[False, False], [False, True]]]]
    assert fa.create_mask(either, 1, 1, 2, 3).tolist() == [[[[True, False, True], [True, True, True]]]]
    assert fa.create_mask(fa.noop_mask, 1, 1, 1, 2).tolist() == [[[[True, True]]]]


def test_blocks_from_kv_blocks_limit_what_is_attended():
    # one query block of 2 rows; key blocks of 2: only key block 1 listed (partly, causal inside)
    mask = fa.BlockMask.from_kv_blocks(tg.tensor([[[1]]], dtype=tg.int32), tg.tensor([[[[1, 0]]]], dtype=tg.int32),
                                       BLOCK_SIZE=2, mask_mod=lambda b, h, qi, ki: ki >= 3 - qi)
    q, k, v = tg.ones(1, 1, 2, 2), tg.ones(1, 1, 4, 2), tg.arange(4.0).view(1, 1, 4, 1)
    out = fa.flex_attention(q, k, v, block_mask=mask)
    assert out.flatten().tolist() == [3.0, 2.5]  # row 0: key 3 alone; row 1: keys 2 and 3


def test_flex_attention_errors():
    q = tg.ones(1, 2, 4, 8)
    with pytest.raises(NotImplementedError, match="must be 4D tensors"):
        fa.flex_attention(q[0], q, q)
    with pytest.raises(ValueError, match="same number of heads but got Hq=2 and Hkv=1. Try setting enable_gqa"):
        fa.flex_attention(q, q[:, :1], q[:, :1])
    with pytest.raises(ValueError, match="multiple of kv heads for GQA but got Hq=2 and Hkv=3"):
        fa.flex_attention(q, tg.ones(1, 3, 4, 8), tg.ones(1, 3, 4, 8), enable_gqa=True)
    with pytest.raises(ValueError, match="one floating-point dtype"):
        fa.flex_attention(q, q.double(), q)
    with pytest.raises(ValueError, match="same embedding dimension"):
        fa.flex_attention(q, tg.ones(1, 2, 4, 3), tg.ones(1, 2, 4, 3))
    with pytest.raises(ValueError, match="must agree in batch, heads and length"):
        fa.flex_attention(q, q, tg.ones(1, 2, 5, 8))
    with pytest.raises(RuntimeError, match="Bq and Bkv must broadcast"):
        fa.flex_attention(tg.ones(3, 2, 4, 8), tg.ones(2, 2, 4, 8), tg.ones(2, 2, 4, 8))
    with pytest.raises(RuntimeError, match="created for a larger length"):
        fa.flex_attention(q, q, q, block_mask=fa.create_block_mask(causal, 1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"created for lengths \(2, 4\), shorter"):
        fa.flex_attention(q, q, q, block_mask=fa.create_block_mask(causal, 1, 1, 2, 4))
    with pytest.raises(ValueError, match="batch and heads"):
        fa.flex_attention(q, q, q, block_mask=fa.create_block_mask(causal, 1, 3, 4, 4))
    with pytest.raises(TypeError, match="must be a BlockMask"):
        fa.flex_attention(q, q, q, block_mask=causal)
    with pytest.raises(ValueError, match="BLOCK_SIZE must be"):
        fa.create_block_mask(causal, 1, 1, 4, 4, BLOCK_SIZE=0)
    with pytest.raises(RuntimeError, match="callable mask_mods"):
        fa.and_masks(causal, 3)
    with pytest.raises(RuntimeError, match="must be given together"):
        fa.BlockMask.from_kv_blocks(tg.ones(1, 1, 1, dtype=tg.int32), tg.zeros(1, 1, 1, 1, dtype=tg.int32),
                                    full_kv_num_blocks=tg.ones(1, 1, 1, dtype=tg.int32))


def test_flex_attention_against_torch():
    torch = pytest.importorskip("torch")
    tfa = pytest.importorskip("torch.nn.attention.flex_attention")
    import warnings
    rng = np.random.default_rng(0)
    arrays = dict(q=rng.standard_normal((2, 4, 150, 8)), k=rng.standard_normal((2, 2, 140, 8)),
                  v=rng.standard_normal((2, 2, 140, 5)), bias=rng.standard_normal(4))
    docs = rng.integers(0, 3, 150)

    def run(mod, flex):
        q, k, v, hb = (mod.tensor(arrays[n], dtype=mod.float32) for n in ("q", "k", "v", "bias"))
        doc = mod.tensor(docs)

        def score_mod(score, b, h, q_idx, kv_idx):
            return score + hb[h] - 0.01 * (q_idx - kv_idx).abs()

        def same_doc(b, h, q_idx, kv_idx):
            return doc[q_idx] == doc[kv_idx.clamp(max=149)]

        mask = flex.create_block_mask(flex.and_masks(causal, flex.or_masks(same_doc, lambda b, h, qi, ki: qi > 0)),
                                      2, None, 150, 140, device="cpu", BLOCK_SIZE=32)
        out, lse = flex.flex_attention(q, k, v, score_mod=score_mod, block_mask=mask, enable_gqa=True,
                                       return_lse=True, scale=0.3)
        blocks = [getattr(mask, n) for n in ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices",
                                             "q_num_blocks", "q_indices", "full_q_num_blocks", "full_q_indices")]
        return [np.asarray(t.numpy()) for t in [out, lse, mask.to_dense(), *blocks]] + [mask.sparsity()]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = run(torch, tfa)
    got = run(tg, fa)
    for a, b in zip(got[:-1], want[:-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert got[-1] == pytest.approx(want[-1])
