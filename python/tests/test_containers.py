"""Editing containers as in torch.nn: Sequential/ModuleList insert, pop, del (index and slice),
extend, + and +=, Sequential * n; ModuleDict pop/update/clear; ParameterDict's dict methods;
ParameterList item assignment. The modules keep their Python objects and the forward pass
follows every edit."""
import pytest

import tapegrad as tg
from tapegrad import nn


class Scale(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x * self.k


def names(container):
    return [name for name, _ in container.named_children()]


def test_sequential_insert_pop_and_del_renumber_and_forward_follows():
    a, b, c = Scale(2.0), Scale(3.0), nn.ReLU()
    seq = nn.Sequential(a, b)
    x = tg.tensor([1.0, -1.0])
    assert seq.insert(1, c) is seq
    assert names(seq) == ["0", "1", "2"]
    assert seq[1] is c and seq[2] is b
    assert seq(x).tolist() == [6.0, 0.0]
    seq.insert(-3, Scale(10.0))  # before the first, as list.insert(-len)
    assert seq[0].k == 10.0 and len(seq) == 4
    assert seq.pop(0).k == 10.0
    assert seq.pop(-1) is b
    assert names(seq) == ["0", "1"] and seq(x).tolist() == [2.0, 0.0]
    del seq[0]
    assert seq[0] is c and names(seq) == ["0"]
    assert list(seq.state_dict().keys()) == []
    with pytest.raises(IndexError, match="Sequential.insert: index 5 is out of range for 1 modules"):
        seq.insert(5, nn.Tanh())
    with pytest.raises(IndexError, match="out of range"):
        seq.pop(3)


def test_deleting_a_slice_and_state_dict_keys_follow():
    seq = nn.Sequential(*[nn.Linear(2, 2) for _ in range(5)])
    kept = [seq[1], seq[3]]
    del seq[::2]
    assert [m for m in seq] == kept
    assert sorted(seq.state_dict().keys()) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    assert seq._tg_registered_objects.keys() == {"0", "1"}
    del seq[5:]
    assert len(seq) == 2
    del seq[:]
    assert len(seq) == 0


def test_add_iadd_and_mul_share_the_modules():
    a, b = Scale(2.0), nn.ReLU()
    s1, s2 = nn.Sequential(a), nn.Sequential(b)
    both = s1 + s2
    assert [m for m in both] == [a, b] and len(s1) == 1
    s1 += s2
    assert [m for m in s1] == [a, b]
    s1 += s1  # reads its modules before adding them
    assert len(s1) == 4
    tripled = nn.Sequential(a) * 3
    assert [m for m in tripled] == [a, a, a]
    assert [m for m in 2 * nn.Sequential(b)] == [b, b]
    s3 = nn.Sequential(a, b)
    s3 *= 2
    assert [m for m in s3] == [a, b, a, b]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class, but ModuleList"):
        s3 + nn.ModuleList([a])
    with pytest.raises(ValueError, match="non-positive multiplication factor 0"):
        s3 * 0
    with pytest.raises(TypeError):
        s3 * 1.5


def test_module_list_edits():
    a, b, c = Scale(1.0), Scale(2.0), Scale(3.0)
    ml = nn.ModuleList([a])
    assert ml.insert(0, b) is None
    assert [m for m in ml] == [b, a]
    ml.extend([c])
    ml += [Scale(4.0)]
    assert [m.k for m in ml] == [2.0, 1.0, 3.0, 4.0]
    joined = ml + [nn.ReLU()]
    assert isinstance(joined, nn.ModuleList) and len(joined) == 5 and joined[0] is b
    assert ml.pop(1) is a
    del ml[-1]
    assert [m.k for m in ml] == [2.0, 3.0] and names(ml) == ["0", "1"]
    assert [n for n, _ in nn.Sequential(ml).named_modules()][:3] == ["", "0", "0.0"]


def test_python_attributes_survive_renumbering():
    seq = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2))
    for i, m in enumerate(seq):
        m.tag = i
    seq.insert(0, nn.Tanh())
    del seq[2]
    assert [getattr(m, "tag", None) for m in seq] == [None, 0, 2]


def test_module_dict_pop_update_clear():
    a, b = nn.ReLU(), nn.Tanh()
    d = nn.ModuleDict({"a": a})
    d.update({"b": b})
    d.update([("c", nn.Sigmoid())])
    assert d.keys() == ["a", "b", "c"] and d["b"] is b
    assert d.pop("a") is a and "a" not in d
    with pytest.raises(KeyError):
        d.pop("a")
    with pytest.raises(KeyError):
        d["zzz"]
    with pytest.raises(ValueError, match="element #0 of the iterable is not a"):
        d.update([1])
    d.clear()
    assert len(d) == 0 and list(d.named_children()) == []


def test_parameter_dict_methods():
    p, q = nn.Parameter(tg.ones(2)), nn.Parameter(tg.zeros(1))
    d = nn.ParameterDict({"p": p})
    d["plain"] = tg.ones(3)  # wrapped as a Parameter
    assert isinstance(d["plain"], nn.Parameter) and d["plain"].requires_grad
    assert d.get("p") is p and d.get("none") is None and d.get("none", 5) == 5
    assert d.setdefault("q", q) is q and d.setdefault("q", p) is q
    assert d.popitem() == ("q", q)
    assert d.pop("plain").shape == (3,) and d.pop("plain", None) is None
    with pytest.raises(KeyError):
        d.pop("plain")
    with pytest.raises(KeyError):
        del d["plain"]
    d.update({"q": q})
    e = d.copy()
    assert e.keys() == ["p", "q"] and e["p"] is p
    assert (d | {"r": tg.ones(1)}).keys() == ["p", "q", "r"]
    d |= {"s": tg.ones(1)}
    assert d.keys() == ["p", "q", "s"]
    assert d.fromkeys(["x", "y"], tg.ones(1)).keys() == ["x", "y"]
    assert [name for name, _ in d.named_parameters()] == ["p", "q", "s"]
    d.clear()
    assert len(d) == 0 and list(d.parameters()) == []


def test_parameter_list_setitem_and_iadd():
    pl = nn.ParameterList([tg.ones(1), tg.ones(2)])
    pl[-1] = tg.zeros(4)
    assert pl[1].shape == (4,) and isinstance(pl[1], nn.Parameter)
    pl += [tg.ones(3)]
    assert [p.shape for p in pl] == [(1,), (4,), (3,)]
    assert [p.shape for p in pl.parameters()] == [(1,), (4,), (3,)]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 parameters"):
        pl[3] = tg.ones(1)


def test_edits_match_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(*[nn.Identity() for _ in range(6)])
    theirs = torch.nn.Sequential(*[torch.nn.Identity() for _ in range(6)])
    for edit in (lambda s: s.__delitem__(slice(1, 5, 2)), lambda s: s.insert(2, type(s[0])()),
                 lambda s: s.pop(-2), lambda s: s.__delitem__(0)):
        edit(ours)
        edit(theirs)
        assert names(ours) == [n for n, _ in theirs.named_children()]


def test_one_parameter_under_two_keys_or_indices():
    p = nn.Parameter(tg.ones(1))
    d = nn.ParameterDict({"a": p, "b": p})
    assert d.keys() == ["a", "b"] and d["b"] is p and len(d) == 2
    pl = nn.ParameterList([p, p])
    assert pl[1] is p and len(pl) == 2
    assert len(list(pl.parameters())) == 1  # traversal lists a parameter once, as in PyTorch
    q = nn.Parameter(tg.zeros(2))
    pl[0] = q
    assert pl[0] is q and pl[1] is p


class Doubled(nn.Linear):
    """A Python subclass of a C++ layer with a forward of its own."""

    def forward(self, x):
        return super().forward(x) * 2


def test_cpp_containers_call_a_python_subclass_forward():
    lin = Doubled(3, 3)
    x = tg.randn(2, 3)
    expected = lin.weight.detach()
    plain = x @ expected.T + lin.bias.detach()
    assert tg.allclose(lin(x), 2 * plain)
    seq = nn.Sequential(lin, nn.Identity())
    assert tg.allclose(seq(x), 2 * plain)  # the container runs the subclass's forward
    calls = []
    lin.register_forward_hook(lambda m, i, o: calls.append(o))
    seq(x)
    assert len(calls) == 1 and tg.allclose(calls[0], 2 * plain)  # hooks run around it
    seq.append(Doubled(3, 3))
    assert tg.allclose(seq(x), seq[2](2 * plain))
    layer = nn.TransformerEncoderLayer(3, 1, 4, dropout=0.0)
    src = tg.randn(2, 5, 3)
    before = layer(src)
    layer.linear2 = Doubled(4, 3)  # a Linear: accepted, and the layer calls its forward
    with tg.no_grad():
        layer.linear2.weight.zero_()
        layer.linear2.bias.fill_(1.0)
    out = layer(src)
    assert not tg.allclose(out, before)
    ref = nn.TransformerEncoderLayer(3, 1, 4, dropout=0.0)
    ref.load_state_dict(layer.state_dict())
    with tg.no_grad():
        ref.linear2.bias.fill_(2.0)  # what Doubled's forward gives: (0 * x + 1) * 2
    assert tg.allclose(out, ref(src), atol=1e-6)
    grads = tg.autograd.grad(seq(x.requires_grad_()).sum(), [lin.weight])
    assert grads[0].abs().sum() > 0


def test_set_submodule_and_to_empty_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tg, torch):
        nn_ = lib.nn
        model = nn_.Sequential(nn_.Linear(2, 3), nn_.Sequential(nn_.ReLU(), nn_.Linear(3, 1)))
        model.set_submodule("1.0", nn_.Tanh())
        model.set_submodule("1.extra", nn_.Identity())
        errors = []
        for target, module, strict in (("", nn_.ReLU(), False), ("1.0", 3, False), ("1.missing", nn_.ReLU(), True),
                                       ("0.weight", nn_.ReLU(), False), ("2.x", nn_.ReLU(), False)):
            try:
                model.set_submodule(target, module, strict=strict)
            except (ValueError, AttributeError) as e:
                errors.append(type(e).__name__)
        outcomes.append(([n for n, _ in model.named_modules()], type(model[1][0]).__name__, errors))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][2] == ["ValueError", "ValueError", "AttributeError", "AttributeError", "AttributeError"]
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight, opt = model[0].weight, tg.optim.SGD(model.parameters(), lr=0.1)
    assert model.to_empty(device="cpu") is model
    assert model[0].weight is weight and weight.shape == (3, 2) and model[1].num_batches_tracked.dtype == tg.int64
    assert opt.param_groups[0]["params"][0] is weight


def test_full_backward_pre_hooks_as_torch():
    torch = pytest.importorskip("torch")

    def run(lib):
        class Two(lib.nn.Module):  # a module with two outputs
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(3, 2)

            def forward(self, x):
                y = self.lin(x)
                return y * 2, y.sum(dim=1)

        model = Two()
        with lib.no_grad():
            model.lin.weight.copy_(lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]))
            model.lin.bias.copy_(lib.tensor([0.1, -0.2]))
        seen = []

        def scale(module, grad_output):
            seen.append([tuple(g.shape) for g in grad_output])
            return tuple(g * 3 for g in grad_output)

        handle = model.register_full_backward_pre_hook(scale)
        lin_seen = []
        model.lin.register_full_backward_pre_hook(lambda m, g: lin_seen.append(g[0].tolist()))
        full_seen = []  # a full backward hook sees the gradients the pre hook replaced
        full = model.register_full_backward_hook(lambda m, gi, go: full_seen.append([g.tolist() for g in go]))
        x = lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], requires_grad=True)
        a, b = model(x)
        (a.pow(2).sum() + b.sum()).backward()
        first = (x.grad.tolist(), model.lin.weight.grad.tolist(), seen, lin_seen, full_seen)
        handle.remove()
        full.remove()
        x.grad = None
        a, b = model(x)
        (a.pow(2).sum() + b.sum()).backward()
        return first, x.grad.tolist(), len(seen)

    ours, theirs = run(tg), run(torch)
    assert ours[0][2] == theirs[0][2] == [[(2, 2), (2,)]] and ours[2] == theirs[2] == 1
    flat = lambda rows: [v for row in rows for v in row]  # noqa: E731
    assert flat(ours[0][0]) == pytest.approx(flat(theirs[0][0])) and flat(ours[1]) == pytest.approx(flat(theirs[1]))
    assert flat(ours[0][1]) == pytest.approx(flat(theirs[0][1]))
    assert ours[0][3] == theirs[0][3] and ours[0][4] == theirs[0][4] and ours[0][4][0][1] == [3.0, 3.0]
    lin = nn.Linear(2, 2)
    lin.register_full_backward_pre_hook(lambda m, g: (g[0], g[0]))
    with pytest.raises(RuntimeError, match="a backward pre hook returned 2 gradients for 1 outputs"):
        lin(tg.ones(1, 2, requires_grad=True)).sum().backward()
