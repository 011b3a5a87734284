"""nn.Embedding / nn.EmbeddingBag / F.embedding with PyTorch's full arguments: from_pretrained,
max_norm (rows renormalised in place), scale_grad_by_freq, _weight, and sparse refused."""
import numpy as np
import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn import functional as F


def table(rows=5, cols=3, seed=0):
    return tg.tensor(np.random.RandomState(seed).randn(rows, cols) * 3)


def test_from_pretrained_shares_the_table_and_freezes_it():
    w = table()
    e = nn.Embedding.from_pretrained(w)
    assert e.weight.data_ptr() == w.data_ptr() and not e.weight.requires_grad
    np.testing.assert_array_equal(np.asarray(e(tg.tensor([4, 1]))), np.asarray(w)[[4, 1]])
    trainable = nn.Embedding.from_pretrained(w, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    np.testing.assert_array_equal(np.asarray(trainable.weight.detach())[0], np.asarray(w)[0])  # not zeroed
    trainable(tg.tensor([0, 2])).sum().backward()
    np.testing.assert_array_equal(np.asarray(trainable.weight.grad)[0], 0)  # the padding row learns nothing
    bag = nn.EmbeddingBag.from_pretrained(w, mode="sum")
    np.testing.assert_allclose(np.asarray(bag(tg.tensor([[1, 2]]))), np.asarray(w)[[1]] + np.asarray(w)[[2]])
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(tg.ones(3))
    with pytest.raises(ValueError, match="does not match"):
        nn.Embedding(4, 3, _weight=table())


def test_max_norm_renormalises_the_rows_looked_up():
    w = table()
    before = np.asarray(w).copy()
    e = nn.Embedding(5, 3, max_norm=1.0, _weight=w.clone())
    out = e(tg.tensor([[0, 2], [2, 3]]))
    norms = np.linalg.norm(np.asarray(e.weight.detach()), axis=1)
    assert np.all(norms[[0, 2, 3]] <= 1.0 + 1e-6)
    np.testing.assert_array_equal(np.asarray(e.weight.detach())[[1, 4]], before[[1, 4]])  # not looked up
    np.testing.assert_allclose(np.linalg.norm(np.asarray(out.detach()), axis=-1), 1.0, rtol=1e-6)
    # Through a C++ container too, and in F.embedding with another norm.
    s = nn.Sequential(nn.Embedding(5, 3, max_norm=0.5, _weight=w.clone()))
    s(tg.tensor([1]))
    assert np.linalg.norm(np.asarray(s[0].weight.detach())[1]) <= 0.5 + 1e-6
    w1 = w.clone()
    F.embedding(tg.tensor([4]), w1, max_norm=2.0, norm_type=1.0)
    assert np.abs(np.asarray(w1)[4]).sum() <= 2.0 + 1e-6


def test_scale_grad_by_freq_divides_each_rows_gradient_by_its_count():
    e = nn.Embedding(5, 3, scale_grad_by_freq=True)
    out = e(tg.tensor([[1, 1, 2], [1, 4, 4]]))
    np.testing.assert_allclose(np.asarray(out.detach()), np.asarray(e.weight.detach())[[[1, 1, 2], [1, 4, 4]]])
    out.sum().backward()
    # Row 1 is looked up 3 times, 4 twice, 2 once: each gets the gradient of one lookup.
    np.testing.assert_allclose(np.asarray(e.weight.grad), [[0] * 3, [1] * 3, [1] * 3, [0] * 3, [1] * 3])
    bag = nn.EmbeddingBag(5, 3, None, 2.0, True, "sum")  # PyTorch's positional order
    assert bag.scale_grad_by_freq and bag.mode == "sum"
    bag(tg.tensor([[1, 1], [1, 2]])).sum().backward()
    np.testing.assert_allclose(np.asarray(bag.weight.grad)[[1, 2]], [[1] * 3, [1] * 3])
    with pytest.raises(ValueError, match="max mode"):
        nn.EmbeddingBag(5, 3, scale_grad_by_freq=True, mode="max")


def test_sparse_gradients_are_refused():
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(5, 3, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(tg.tensor([1]), table(), sparse=True)


def test_against_torch():
    torch = pytest.importorskip("torch")
    w = np.random.RandomState(1).randn(6, 4) * 2
    idx = np.array([[0, 2, 2, 5], [5, 2, 0, 1]])
    g = nn.Embedding.from_pretrained(tg.tensor(w), freeze=False, max_norm=1.5, scale_grad_by_freq=True)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.5, scale_grad_by_freq=True)
    go = np.random.RandomState(2).randn(2, 4, 4)
    g(tg.tensor(idx)).backward(tg.tensor(go))
    t(torch.tensor(idx)).backward(torch.tensor(go))
    np.testing.assert_allclose(np.asarray(g.weight.detach()), t.weight.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(g.weight.grad), t.weight.grad.numpy(), rtol=1e-10)
    gb = nn.EmbeddingBag.from_pretrained(tg.tensor(w), freeze=False, max_norm=1.0, mode="mean")
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=False, max_norm=1.0, mode="mean")
    np.testing.assert_allclose(np.asarray(gb(tg.tensor(idx)).detach()), tb(torch.tensor(idx)).detach().numpy(),
                               rtol=1e-10)


def test_layers_without_the_options_stay_in_cpp():
    # Without max_norm or scale_grad_by_freq the lookup is the C++ layer's alone (no Python
    # forward per call); those options are then refused afterwards rather than ignored.
    plain = nn.Embedding(5, 3)
    assert type(plain).forward is tg._C.nn.Embedding.forward
    assert isinstance(plain, nn.Embedding) and plain.max_norm is None
    with pytest.raises(ValueError, match="give max_norm when the layer is made"):
        plain.max_norm = 1.0
    with pytest.raises(ValueError, match="give scale_grad_by_freq"):
        nn.EmbeddingBag(5, 3).scale_grad_by_freq = True
    optioned = nn.Embedding(5, 3, None, 1.0)  # max_norm given positionally, as PyTorch's order allows
    assert isinstance(optioned, nn.Embedding) and optioned.max_norm == 1.0
    optioned.max_norm = 0.5
    optioned(tg.tensor([2]))
    assert np.linalg.norm(np.asarray(optioned.weight.detach())[2]) <= 0.5 + 1e-6
    optioned.max_norm = None  # and off again
    assert optioned.max_norm is None
