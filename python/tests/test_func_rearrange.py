import numpy as np
import pytest

import tapegrad as tg
from tapegrad.func import rearrange


def test_rearrange_patterns_match_reshape_and_permute():
    a = np.arange(2 * 6 * 4 * 3, dtype=np.float64).reshape(2, 6, 4, 3)
    x = tg.tensor(a.tolist(), dtype=tg.float64)
    assert rearrange(x, "b h w c -> b h w c").tolist() == a.tolist()
    assert rearrange(x, "b h w c -> b c h w").tolist() == a.transpose(0, 3, 1, 2).tolist()
    assert rearrange(x, "b h w c -> (b h) w c").tolist() == a.reshape(12, 4, 3).tolist()
    assert rearrange(x, "b h w c -> h (b w) c").tolist() == a.transpose(1, 0, 2, 3).reshape(6, 8, 3).tolist()
    assert rearrange(x, "b h w c -> b (c h w)").tolist() == a.transpose(0, 3, 1, 2).reshape(2, -1).tolist()
    # splitting: (h1 h) with h1 given; the other size follows
    want = a.reshape(2, 2, 3, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(8, 3, 2, 3)
    assert rearrange(x, "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=2).tolist() == want.tolist()
    want = a.reshape(2, 3, 2, 2, 2, 3).transpose(0, 1, 3, 5, 2, 4).reshape(2, 3, 2, 12)
    assert rearrange(x, "b (h h1) (w w1) c -> b h w (c h1 w1)", h1=2, w1=2).tolist() == want.tolist()
    # ellipsis, unit dims and a list of tensors (stacked first)
    assert rearrange(x, "b ... c -> c b ...").shape == (3, 2, 6, 4)
    assert rearrange(x, "... c -> (...) c").shape == (48, 3)
    assert rearrange(x, "b h w c -> b 1 h w c ()").shape == (2, 1, 6, 4, 3, 1)
    assert rearrange(tg.ones(3, 1, 2), "a 1 b -> b a").shape == (2, 3)
    assert rearrange([tg.ones(2, 3), tg.zeros(2, 3)], "n h w -> h (n w)").tolist() == [[1, 1, 1, 0, 0, 0]] * 2


def test_rearrange_gradient_flows_through():
    x = tg.randn(2, 6, requires_grad=True)
    w = tg.randn(3, 2, 2)
    (rearrange(x, "b (c k) -> c k b", k=2) * w).sum().backward()
    assert tg.allclose(x.grad, rearrange(w, "c k b -> b (c k)"))


def test_rearrange_errors():
    x = tg.ones(2, 6)
    with pytest.raises(ValueError, match="the pattern must be 'input axes -> output axes'"):
        rearrange(x, "a b")
    with pytest.raises(ValueError, match=r"the axes \['b'\] must appear on both sides"):
        rearrange(x, "a b -> a")
    with pytest.raises(ValueError, match="names 3 dims, but the input has 2"):
        rearrange(x, "a b c -> a b c")
    with pytest.raises(ValueError, match="give the sizes of all but one of them"):
        rearrange(x, "a (b c) -> a b c")
    with pytest.raises(ValueError, match="a dim of size 6 can't be split"):
        rearrange(x, "a (b c) -> a b c", b=4)
    with pytest.raises(ValueError, match="the axis 'a' appears twice in the left side"):
        rearrange(x, "a a -> a")
    with pytest.raises(ValueError, match="the size of 'z' is given but the pattern has no such axis"):
        rearrange(x, "a b -> b a", z=2)
    with pytest.raises(ValueError, match="'-' is not an axis name"):
        rearrange(x, "a - -> a")
    with pytest.raises(ValueError, match="unmatched '\\('"):
        rearrange(x, "a (b -> a b")
