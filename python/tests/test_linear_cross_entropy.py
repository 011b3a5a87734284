"""F.linear_cross_entropy and nn.LinearCrossEntropyLoss: the chunked path (options given) against
the reference one, the module's layout, and PyTorch's values and gradients where torch has it."""
import numpy as np
import pytest

import tapegrad as tg
import tapegrad.nn.functional as F


def leaves(rng, *shapes):
    return [tg.tensor(rng.randn(*s)).requires_grad_() for s in shapes]


@pytest.mark.parametrize("chunk", [None, 1, 4, 100])
def test_chunked_matches_reference(chunk):
    rng = np.random.RandomState(0)
    x, w, b = leaves(rng, (9, 4), (6, 4), (6,))
    target = tg.tensor(rng.randint(0, 6, size=9))
    target[3] = -1
    kwargs = dict(linear_bias=b, weight=tg.tensor(rng.rand(6) + 0.5), ignore_index=-1, label_smoothing=0.05)
    ref = F.linear_cross_entropy(x, w, target, **kwargs)
    ref_grads = tg.autograd.grad(ref, [x, w, b])
    opts = tg.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk)
    got = F.linear_cross_entropy(x, w, target, options=opts, **kwargs)
    assert got.grad_fn.name() == "LinearCrossEntropyBackward"
    assert abs(got.item() - ref.item()) < 1e-12
    for a, e in zip(tg.autograd.grad(got, [x, w, b]), ref_grads):
        assert np.allclose(a.numpy(), e.numpy(), rtol=1e-12, atol=1e-14)
    with pytest.raises(RuntimeError, match="no double backward"):
        tg.autograd.grad(F.linear_cross_entropy(x, w, target, options=opts, **kwargs), [x], create_graph=True)


def test_module_and_errors():
    tg.manual_seed(0)
    loss = tg.nn.LinearCrossEntropyLoss(5, 7, out_features=(2,), bias=True,
                                        options=tg.nn.LinearCrossEntropyOptions(batch_chunk_size=3))
    assert loss.linear.weight.shape == (14, 5) and loss.linear.bias.shape == (14,)
    assert "num_classes=7" in repr(loss)
    x = tg.randn(4, 5, requires_grad=True)
    target = tg.randint(0, 7, (4, 2))
    out = loss(x, target)  # K-dim: the reference path
    logits = F.linear(x, loss.linear.weight, loss.linear.bias).reshape(4, 7, 2)
    assert abs(out.item() - F.cross_entropy(logits, target).item()) < 1e-5
    out.backward()
    assert loss.linear.weight.grad.shape == (14, 5)
    with pytest.raises(TypeError, match="options must be a LinearCrossEntropyOptions"):
        F.linear_cross_entropy(x, tg.randn(7, 5), target[:, 0], options={"batch_chunk_size": 2})
    with pytest.raises(ValueError, match="batch_chunk_size must be positive"):
        tg.nn.LinearCrossEntropyOptions(batch_chunk_size=0)
    with pytest.raises(RuntimeError, match="disagree on in_features"):
        F.linear_cross_entropy(x, tg.randn(7, 4), target[:, 0])


def test_against_torch():
    torch = pytest.importorskip("torch")
    if not hasattr(torch.nn.functional, "linear_cross_entropy"):
        pytest.skip("this torch has no linear_cross_entropy")
    rng = np.random.RandomState(1)
    arrays = [rng.randn(8, 5), rng.randn(11, 5), rng.randn(11)]
    target = rng.randint(0, 11, size=8)
    for reduction in ("mean", "sum"):
        t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
        g_in = [tg.tensor(a).requires_grad_() for a in arrays]
        e = torch.nn.functional.linear_cross_entropy(
            t_in[0], t_in[1], torch.tensor(target), linear_bias=t_in[2], reduction=reduction,
            options=torch.nn.LinearCrossEntropyOptions(batch_chunk_size=3))
        r = F.linear_cross_entropy(g_in[0], g_in[1], tg.tensor(target), linear_bias=g_in[2], reduction=reduction,
                                   options=tg.nn.LinearCrossEntropyOptions(batch_chunk_size=3))
        assert abs(e.item() - r.item()) < 1e-10
        for a, b in zip(tg.autograd.grad(r, g_in), torch.autograd.grad(e, t_in)):
            assert np.allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
