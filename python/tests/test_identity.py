"""One Python object per tensor, as in PyTorch: what comes back from an op, an attribute or a
traversal is the object already alive for that tensor, so `is`, id(), sets and dicts of
parameters (weight-decay groups, name lookups) work."""
import gc
import weakref

import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn import functional as F


def test_ops_return_the_same_object_for_the_same_tensor():
    x = tg.ones(3)
    assert x.add_(1) is x and x.mul_(2) is x and x.contiguous() is x
    assert x.view(3) is not x  # a new view is a new tensor
    a = tg.zeros(2, requires_grad=True)
    (a * 2).sum().backward()
    assert a.grad is a.grad
    x.tag = "kept"  # attributes of the object stay with it
    assert x.add_(0).tag == "kept"


def test_objects_still_die_when_unreferenced():
    t = tg.ones(2)
    ref = weakref.ref(t)
    del t
    gc.collect()
    assert ref() is None
    m = nn.Linear(2, 2)
    w = weakref.ref(m.weight)
    assert w() is not None  # the module keeps the object it handed out
    del m
    gc.collect()
    assert w() is None


def test_cpp_layer_parameters_are_parameters_with_stable_identity():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    w = model[0].weight
    assert isinstance(w, nn.Parameter) and w is model[0].weight
    assert next(model.parameters()) is w  # parameters() is an iterator, as PyTorch's generator
    decay = {p for n, p in model.named_parameters() if n.endswith("weight")}
    assert [p in decay for p in model.parameters()] == [True, False, True, False]
    names = {id(p): n for n, p in model.named_parameters()}
    gc.collect()
    assert [names[id(p)] for p in model.parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    opt = tg.optim.AdamW([{"params": [p for p in model.parameters() if p in decay]},
                          {"params": [p for p in model.parameters() if p not in decay], "weight_decay": 0.0}])
    assert opt.param_groups[0]["params"][0] is w and opt.param_groups[1]["params"][1] is model[2].bias
    bn = nn.BatchNorm1d(3)
    assert next(bn.buffers()) is bn.running_mean and not isinstance(bn.running_mean, nn.Parameter)


def test_python_module_parameters_keep_their_object():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = nn.Parameter(tg.ones(2))

        def forward(self, x):
            return x * self.gain

    m = Scale()
    assert next(m.parameters()) is m.gain and dict(m.named_parameters())["gain"] is m.gain


def test_tensors_returned_through_python_callables_keep_working():
    # The C++ side copies (never moves) out of a tensor object, so a tensor a Python callback
    # returned still finds its object afterwards.
    a, b, c = (tg.randn(4, 3, requires_grad=True) for _ in range(3))
    for _ in range(3):
        loss = F.triplet_margin_with_distance_loss(a, b, c, distance_function=lambda u, v: (u - v).abs().sum(1))
        loss.backward()
    assert a.grad is a.grad and a.grad.shape == (4, 3)


def test_get_submodule_parameter_and_buffer():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 1)))
    assert model.get_submodule("") is model and model.get_submodule("1.1") is model[1][1]
    assert model.get_parameter("1.1.weight") is model[1][1].weight
    assert model.get_buffer("1.0.running_var") is model[1][0].running_var
    with pytest.raises(AttributeError, match="Linear has no attribute `bias2`"):
        model.get_submodule("0.bias2")
    with pytest.raises(AttributeError, match="Linear has no parameter `bias2`"):
        model.get_parameter("0.bias2")
    with pytest.raises(AttributeError, match="BatchNorm1d has no buffer `weight`"):
        model.get_buffer("1.0.weight")


def test_a_containers_modules_keep_their_objects_and_attributes():
    lin = nn.Linear(2, 2)
    lin.tag = "first"
    seq = nn.Sequential(lin, nn.ReLU())
    del lin
    gc.collect()
    assert seq[0].tag == "first" and seq[0] is seq[0]
    assert list(seq)[0] is seq[0] and list(seq.children())[0] is seq[0]
    assert dict(seq.named_modules())["0"] is seq[0] and list(seq.modules())[1] is seq[0]
    blocks = nn.ModuleList()
    blocks.append(nn.Tanh())
    blocks[0].depth = 1
    gc.collect()
    assert blocks[0].depth == 1
    heads = nn.ModuleDict({"a": nn.Linear(1, 1)})
    heads["a"].kind = "head"
    gc.collect()
    assert heads["a"].kind == "head" and list(heads.values())[0] is heads["a"]
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    layer.linear1.marked = True
    gc.collect()
    assert layer.linear1.marked and layer.get_submodule("linear1") is layer.linear1
