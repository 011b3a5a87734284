"""copy.deepcopy of tensors and modules (EMA models, target networks, keeping the best model), and
replacing a container's modules, with PyTorch's semantics."""
import copy

import pytest

import tapegrad as tg
from tapegrad import nn


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 4)
        self.head = nn.Linear(4, 6, bias=False)
        self.head.weight = self.emb.weight
        self.body = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU())
        self.scale = nn.Parameter(tg.ones(1))
        self.register_buffer("steps", tg.zeros(()))
        self.config = {"depth": 2, "names": ["a"]}

    def forward(self, tokens):
        return self.head(self.body(self.emb(tokens))) * self.scale


def test_deepcopy_of_a_tensor_keeps_class_gradient_and_attributes():
    p = nn.Parameter(tg.randn(3))
    p.grad = tg.ones(3)
    p.tag = ["kept"]
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q is not p
    assert q.data_ptr() != p.data_ptr() and tg.equal(q, p)
    assert tg.equal(q.grad, p.grad) and q.grad.data_ptr() != p.grad.data_ptr()
    assert q.tag == ["kept"] and q.tag is not p.tag
    both = copy.deepcopy({"a": p, "b": p})
    assert both["a"] is both["b"]
    x = tg.arange(6.0).reshape(2, 3).t()
    assert tg.equal(copy.deepcopy(x), x) and copy.deepcopy(x.int()).dtype == tg.int32
    y = tg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only tensors created by the user .* not the result of MulBackward"):
        copy.deepcopy(y)


def test_deepcopy_of_a_python_module_is_independent_and_keeps_ties():
    model = Tied()
    tokens = tg.tensor([1, 2, 3])
    model(tokens).sum().backward()
    clone = copy.deepcopy(model)
    assert type(clone) is Tied and clone is not model
    assert clone.head.weight is clone.emb.weight  # still tied, to a new tensor
    assert clone.head.weight is not model.head.weight
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert all(type(p) is nn.Parameter for p in clone.parameters())
    assert tg.equal(clone.scale.grad, model.scale.grad)
    assert clone.config == model.config and clone.config is not model.config
    assert tg.allclose(clone(tokens), model(tokens))
    # Training the copy leaves the original alone: weights, running stats and gradients.
    before = model.body[0].weight.clone()
    opt = tg.optim.SGD(clone.parameters(), lr=0.5)
    clone(tokens).pow(2).sum().backward()
    opt.step()
    assert tg.equal(model.body[0].weight, before)
    assert not tg.equal(clone.body[0].weight, before)
    assert not tg.equal(clone.body[1].running_mean, model.body[1].running_mean)
    assert clone.training and not copy.deepcopy(model.eval()).training


def test_deepcopy_of_cpp_layers_and_containers():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LSTM(4, 5, batch_first=True))
    seq[0].note = "first"
    seq_copy = copy.deepcopy(seq)
    assert type(seq_copy) is nn.Sequential and len(seq_copy) == 3
    assert seq_copy[0].weight is not seq[0].weight and tg.equal(seq_copy[0].weight, seq[0].weight)
    assert seq_copy[0].note == "first"
    x = tg.randn(2, 7, 3)
    out, _ = seq_copy[2](seq_copy[1](seq_copy[0](x)))
    ref, _ = seq[2](seq[1](seq[0](x)))
    assert tg.allclose(out, ref)
    shared = nn.Linear(2, 2)
    twice = copy.deepcopy(nn.ModuleList([shared, shared]))
    assert twice[0] is twice[1] and twice[0] is not shared
    bare = nn.Module()
    bare.fc = nn.Linear(2, 2)
    bare_copy = copy.deepcopy(bare)
    assert bare_copy.fc is not bare.fc and tg.equal(bare_copy.fc.weight, bare.fc.weight)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    layer_copy = copy.deepcopy(layer)
    src = tg.randn(3, 2, 8)
    assert tg.allclose(layer_copy(src), layer(src), atol=1e-6)


def test_deepcopy_of_every_layer_class_and_its_python_subclasses():
    # Every C++ layer, as it is and as a Python subclass: the plain activations and padding layers
    # could not be copied, nor Python subclasses of layers derived from another layer (an LSTM, a
    # BatchNorm2d, an AlphaDropout).
    from tapegrad._C import nn as cpp_nn

    unbuilt = []
    for name in sorted(dir(cpp_nn)):
        cls = getattr(cpp_nn, name)
        if name.startswith("_") or not isinstance(cls, type) or not issubclass(cls, cpp_nn.Module):
            continue
        public = getattr(nn, name, cls)
        for args in ((), (4,), (4, 4), (4, 4, 3), ((2, 2),), (4, 2)):
            try:
                public(*args)
                break
            except (TypeError, ValueError, RuntimeError, NotImplementedError):
                continue
        else:
            unbuilt.append(name)
            continue
        subclass = type("Sub" + name, (public,), {"note": "kept"})
        for made in (public(*args), subclass(*args)):
            made.extra = [1]
            dup = copy.deepcopy(made)
            assert type(dup) is type(made) and dup.extra == [1] and dup.extra is not made.extra, name
            assert dup.training == made.training
            pairs = zip(made.state_dict().items(), dup.state_dict().items())
            for (key, a), (dup_key, b) in pairs:
                assert key == dup_key and tg.equal(a, b), (name, key)
                assert a.numel() == 0 or a.data_ptr() != b.data_ptr(), (name, key)
    # Abstract bases, and stacks that take a layer to repeat (test_deepcopy_of_cpp_layers_and_containers).
    assert unbuilt == ["RNNBase", "RNNCellBase", "TransformerDecoder", "TransformerEncoder"]


def test_deepcopy_keeps_hooks():
    seen = []
    model = nn.Linear(2, 2)
    model.register_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    copy.deepcopy(model)(tg.ones(1, 2))
    assert seen == ["Linear"]


class LoRALinear(nn.Linear):
    """A Python subclass of a C++ layer with a parameter, a buffer and an attribute of its own."""

    def __init__(self, n, rank):
        super().__init__(n, n)
        self.rank = rank
        self.down = nn.Parameter(tg.randn(rank, n))
        self.up = nn.Parameter(tg.zeros(n, rank))
        self.register_buffer("calls", tg.zeros(()))

    def forward(self, x):
        self.calls += 1
        return super().forward(x) + x @ self.down.T @ self.up.T


def test_deepcopy_of_python_subclasses_of_cpp_layers():
    net = nn.Sequential(LoRALinear(4, 2), nn.ReLU())
    net[0].note = ["kept"]
    dup = copy.deepcopy(net)
    layer = dup[0]
    assert type(layer) is LoRALinear and isinstance(layer, nn.Linear)
    assert layer.rank == 2 and layer.note == ["kept"] and layer.note is not net[0].note
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias", "down", "up"]
    for (name, a), (_, b) in zip(net.state_dict().items(), dup.state_dict().items()):
        assert tg.equal(a, b) and a.data_ptr() != b.data_ptr(), name
    x = tg.randn(3, 4)
    assert tg.allclose(dup(x), net(x))
    assert layer.calls.item() == 1 and net[0].calls.item() == 1  # the override ran (in the container), on its own buffer
    with tg.no_grad():
        layer.up.fill_(1.0)
    assert not tg.allclose(dup(x), net(x))
    twice = copy.deepcopy(LoRALinear(3, 1))
    assert type(copy.deepcopy(twice)) is LoRALinear

    class Chain(nn.Sequential):
        pass

    chain = copy.deepcopy(Chain(nn.Tanh(), nn.Linear(2, 2)))
    assert type(chain) is Chain and len(chain) == 2 and isinstance(chain[1], nn.Linear)


def test_replacing_a_containers_module_changes_what_it_calls():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    x = tg.randn(5, 3)
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh) and (seq(x) < 0).any()
    setattr(seq, "1", nn.Sigmoid())  # what PyTorch's seq._modules assignment amounts to
    assert (seq(x) > 0).all()
    seq[-1] = nn.Identity()
    assert tg.allclose(seq(x), seq[0](x))
    with pytest.raises(IndexError, match="Sequential: index 2 is out of range for 2 modules"):
        seq[2] = nn.ReLU()
    head = seq[:1]
    assert type(head) is nn.Sequential and len(head) == 1 and head[0] is seq[0]
    assert [n for n, _ in nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())[::2].named_children()] == ["0", "2"]
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml[0] = nn.Sigmoid()
    assert isinstance(ml[0], nn.Sigmoid) and type(ml[1:]) is nn.ModuleList
    md = nn.ModuleDict({"act": nn.ReLU()})
    md["act"] = nn.Tanh()
    assert isinstance(md["act"], nn.Tanh) and len(md) == 1
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    with pytest.raises(TypeError, match="submodule 'linear1' must be a Linear like the one it replaces"):
        layer.linear1 = nn.ReLU()
    new_linear = nn.Linear(4, 8)
    layer.linear1 = new_linear
    assert layer.linear1 is new_linear


def test_layers_take_pytorch_factory_keywords():
    lin = nn.Linear(3, 4, dtype=tg.float64, device="cpu")
    assert lin.weight.dtype == tg.float64 and lin.bias.dtype == tg.float64 and lin.weight.device.type == "cpu"
    bn = nn.BatchNorm2d(3, dtype=tg.float64)
    assert bn.running_var.dtype == tg.float64 and bn.num_batches_tracked.dtype == tg.int64
    lstm = nn.LSTM(2, 3, num_layers=2, dtype=tg.float64)
    assert {p.dtype for p in lstm.parameters()} == {tg.float64}
    assert lstm(tg.randn(4, 1, 2, dtype=tg.float64))[0].dtype == tg.float64
    assert nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dtype=tg.float64).linear1.weight.dtype == tg.float64

    class Scaled(nn.Linear):  # a subclass passes them on as torch code does
        def __init__(self, n):
            super().__init__(n, n, bias=False, dtype=tg.float64)

    assert Scaled(2).weight.dtype == tg.float64 and Scaled(2).bias is None
    with pytest.raises(TypeError, match="Linear: dtype must be a floating-point or complex dtype, got tapegrad.int64"):
        nn.Linear(2, 2, dtype=tg.int64)
    if not tg.cuda.is_available():
        with pytest.raises((IndexError, RuntimeError), match="cuda:0"):
            nn.Conv2d(1, 1, 3, device="cuda")


def test_skip_init_and_the_old_clip_grad_norm_name():
    lin = nn.utils.skip_init(nn.Linear, 3, 2, dtype=tg.float64)
    assert isinstance(lin, nn.Linear) and lin.weight.shape == (2, 3) and lin.weight.dtype == tg.float64
    assert nn.utils.skip_init(nn.Linear, 3, 2, device="cpu").bias.device.type == "cpu"
    p = nn.Parameter(tg.ones(4))
    p.grad = tg.full((4,), 3.0)
    assert nn.utils.clip_grad_norm([p], 1.0).item() == pytest.approx(6.0)
    assert tg.linalg.vector_norm(p.grad).item() == pytest.approx(1.0, rel=1e-5)


def test_copy_copy_shares_parameters_submodules_and_attributes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.scale = nn.Parameter(tg.ones(1))
            self.register_buffer("offset", tg.zeros(2))
            self.k = [3]

        def forward(self, x):
            return self.fc(x) * self.scale + self.offset

    net = Net()
    c = copy.copy(net)
    assert type(c) is Net and c is not net
    assert c.fc is net.fc and c.scale is net.scale and c.offset is net.offset and c.k is net.k
    assert tg.equal(c(tg.ones(1, 2)), net(tg.ones(1, 2)))
    c.other = 1  # the copy's own attributes stay its own
    assert not hasattr(net, "other")
    lin = nn.Linear(2, 2)
    shallow = copy.copy(lin)
    assert type(shallow) is nn.Linear and shallow.weight is lin.weight and shallow is not lin
    seq = nn.Sequential(lin, nn.ReLU())
    assert copy.copy(seq)[0] is lin
