"""tg.nn.utils.prune: masks, iterative and global pruning, remove; against torch where present."""
import copy

import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn.utils import prune


def distinct_weight(layer):
    with tg.no_grad():
        n = layer.weight.numel()
        values = (tg.arange(n, dtype=tg.float32) + 1) * tg.tensor([(-1.0) ** i for i in range(n)])
        layer.weight.copy_(values[tg.randperm(n)].reshape(layer.weight.shape) / n)
    return layer


def test_l1_unstructured_masks_the_smallest_and_trains_through_the_mask():
    layer = distinct_weight(nn.Linear(4, 3))
    original = layer.weight
    prune.l1_unstructured(layer, "weight", amount=0.25)
    assert prune.is_pruned(layer) and not prune.is_pruned(nn.Linear(1, 1))
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    assert [n for n, _ in layer.named_buffers()] == ["weight_mask"]
    assert layer.weight_orig is original
    mask = layer.weight_mask
    assert int(mask.sum().item()) == 9
    smallest = original.abs().reshape(-1).sort().values[2].item()
    assert tg.equal(mask.bool(), original.abs() > smallest)
    assert tg.equal(layer.weight, original * mask)
    x = tg.randn(5, 4)
    assert tg.allclose(layer(x), x @ (original * mask).t() + layer.bias)
    layer(x).sum().backward()
    assert tg.equal(original.grad * (1 - mask), tg.zeros(3, 4))  # pruned entries get no gradient
    # Again: 2 more among the 9 kept.
    prune.l1_unstructured(layer, "weight", amount=2)
    assert int(layer.weight_mask.sum().item()) == 7
    assert isinstance(layer.__dict__["_tg_pruning"]["weight"], prune.PruningContainer)
    copied = copy.deepcopy(layer)
    assert tg.equal(copied.weight, layer.weight) and copied.weight_orig is not original
    prune.remove(layer, "weight")
    assert not prune.is_pruned(layer)
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight"] and layer.weight is original
    assert int((layer.weight != 0).sum().item()) == 7
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(layer, "weight")


def test_structured_random_global_and_errors():
    conv = nn.Conv2d(2, 6, 3)
    prune.ln_structured(conv, "weight", amount=0.5, n=2, dim=0)
    kept = conv.weight_mask.sum(dim=[1, 2, 3]) != 0
    assert int(kept.sum().item()) == 3
    norms = tg.linalg.vector_norm(conv.weight_orig, 2, dim=[1, 2, 3])
    assert tg.equal(kept, norms >= norms.sort().values[3])
    prune.random_structured(conv, "weight", amount=1, dim=0)  # one more channel, among the kept
    assert int((conv.weight_mask.sum(dim=[1, 2, 3]) != 0).sum().item()) == 2
    lin = nn.Linear(10, 10)
    prune.random_unstructured(lin, "weight", amount=0.3)
    assert int(lin.weight_mask.sum().item()) == 70
    prune.identity(lin, "bias")
    assert tg.equal(lin.bias_mask, tg.ones(10))
    a, b = distinct_weight(nn.Linear(3, 2)), distinct_weight(nn.Linear(2, 4))
    prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured, amount=5)
    together = tg.cat([a.weight_orig.abs().reshape(-1), b.weight_orig.abs().reshape(-1)])
    threshold = together.sort().values[4].item()
    assert tg.equal(a.weight_mask.bool(), a.weight_orig.abs() > threshold)
    assert tg.equal(b.weight_mask.bool(), b.weight_orig.abs() > threshold)
    prune.custom_from_mask(a, "bias", tg.tensor([0.0, 1.0]))
    assert a.bias[0].item() == 0
    with pytest.raises(ValueError, match="amount=1.5 should either be a float in the range \\[0, 1\\]"):
        prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=1.5)
    with pytest.raises(ValueError, match="amount=9 should be smaller than the number of parameters to prune=4"):
        prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=9)
    with pytest.raises(TypeError, match="Invalid type for amount"):
        prune.random_unstructured(nn.Linear(2, 2), "weight", amount="half")
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
        prune.global_unstructured([(a, "weight")], pruning_method=prune.RandomStructured, amount=1)


def test_masks_match_torch():
    torch = pytest.importorskip("torch")
    import torch.nn.utils.prune  # noqa: F401  (not imported by torch.nn.utils)
    t_conv = torch.nn.Conv2d(3, 8, 3)
    conv = nn.Conv2d(3, 8, 3)
    with tg.no_grad():
        conv.weight.copy_(tg.tensor(t_conv.weight.detach().tolist()))
    torch.nn.utils.prune.l1_unstructured(t_conv, "weight", amount=0.3)
    prune.l1_unstructured(conv, "weight", amount=0.3)
    torch.nn.utils.prune.ln_structured(t_conv, "weight", amount=2, n=1, dim=0)
    prune.ln_structured(conv, "weight", amount=2, n=1, dim=0)
    assert conv.weight_mask.tolist() == t_conv.weight_mask.tolist()
    assert list(conv.state_dict()) == list(t_conv.state_dict())
    assert tg.allclose(conv.weight, tg.tensor(t_conv.weight.detach().tolist()))
