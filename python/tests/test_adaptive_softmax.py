"""nn.AdaptiveLogSoftmaxWithLoss against torch's: the same weights give the same outputs, loss,
gradients, log_prob and predict; its checks raise as torch's do."""
import pytest

import tapegrad as tg
from tapegrad import nn


def test_structure_and_state_dict_keys():
    m = nn.AdaptiveLogSoftmaxWithLoss(16, 30, [5, 12, 20], div_value=2.0, head_bias=True)
    assert (m.shortlist_size, m.n_clusters, m.head_size, m.cutoffs) == (5, 3, 8, [5, 12, 20, 30])
    assert [tuple(p.shape) for p in m.parameters()] == [(8, 16), (8,), (8, 16), (7, 8), (4, 16), (8, 4), (2, 16),
                                                        (10, 2)]
    assert list(m.state_dict())[:3] == ["head.weight", "head.bias", "tail.0.0.weight"]
    tiny = nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10])  # 8 // 16: a zero-wide projection, as torch allows
    assert tiny.tail[1][0].weight.shape == (0, 8)
    out = tiny(tg.randn(3, 8), tg.tensor([1, 12, 19]))
    assert out.output.shape == (3,) and tg.isfinite(out.loss)


@pytest.mark.parametrize("head_bias", [False, True])
def test_matches_torch(head_bias):
    torch = pytest.importorskip("torch")
    ref = torch.nn.AdaptiveLogSoftmaxWithLoss(12, 25, [4, 9, 17], div_value=2.0, head_bias=head_bias).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(12, 25, [4, 9, 17], div_value=2.0, head_bias=head_bias, dtype=tg.float64)
    assert list(ours.state_dict()) == list(ref.state_dict())
    ours.load_state_dict({k: tg.tensor(v.tolist(), dtype=tg.float64) for k, v in ref.state_dict().items()})
    x = torch.randn(9, 12, dtype=torch.float64)
    target = [0, 3, 4, 8, 9, 16, 17, 24, 2]
    t_out = ref(x.clone().requires_grad_(), torch.tensor(target))
    xs = tg.tensor(x.tolist(), dtype=tg.float64, requires_grad=True)
    out = ours(xs, tg.tensor(target))
    assert out.output.tolist() == pytest.approx(t_out.output.tolist(), rel=1e-10)
    assert out.loss.item() == pytest.approx(t_out.loss.item(), rel=1e-10)
    out.loss.backward()
    t_out.loss.backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        assert tg.allclose(p.grad, tg.tensor(q.grad.tolist(), dtype=tg.float64), rtol=1e-8, atol=1e-12), name
    assert tg.allclose(ours.log_prob(xs), tg.tensor(ref.log_prob(x).tolist(), dtype=tg.float64), rtol=1e-10)
    assert ours.predict(xs).tolist() == ref.predict(x).tolist()
    single = ours(xs[0], tg.tensor(3))
    expected = ref(x[0], torch.tensor(3)).output.item()
    assert single.output.dim() == 0 and single.output.item() == pytest.approx(expected, rel=1e-10)
    assert ours.log_prob(xs[0]).shape == (25,)


def test_gradcheck():
    m = nn.AdaptiveLogSoftmaxWithLoss(6, 10, [3, 6], div_value=2.0, dtype=tg.float64)
    x = tg.randn(5, 6, dtype=tg.float64, requires_grad=True)
    target = tg.tensor([0, 4, 7, 9, 2])
    assert tg.autograd.gradcheck(lambda inp: m(inp, target).output, (x,))


def test_errors():
    with pytest.raises(ValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [])
    for bad in ([5, 3], [0, 4], [4, 10], [3, 3]):
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
            nn.AdaptiveLogSoftmaxWithLoss(4, 10, bad)
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\], but values in range \[0, 10\]"):
        m(tg.randn(2, 4), tg.tensor([0, 10]))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        m(tg.randn(3, 4), tg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        m(tg.randn(2, 2, 4), tg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input tensors"):
        m(tg.randn(2, 4), tg.tensor(1))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        m(tg.randn(2, 4), tg.tensor([[0, 1]]))
