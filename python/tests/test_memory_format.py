"""Memory formats from Python: tg.channels_last and the others, on contiguous, clone, to,
is_contiguous, empty and the _like factories, Module.to and the conv weight converters, against
torch where it is installed."""
import pickle

import numpy as np
import pytest

import tapegrad as tg


def test_constants_print_compare_and_pickle():
    assert repr(tg.channels_last) == "tapegrad.channels_last" and str(tg.contiguous_format) == "tapegrad.contiguous_format"
    assert isinstance(tg.preserve_format, tg.memory_format) and tg.channels_last_3d != tg.channels_last
    assert pickle.loads(pickle.dumps(tg.channels_last)) == tg.channels_last
    assert len({tg.channels_last, tg.channels_last, tg.contiguous_format}) == 2


def test_layouts_and_errors():
    x = tg.arange(120.0).reshape(2, 3, 4, 5)
    cl = x.contiguous(memory_format=tg.channels_last)
    assert cl.stride() == (60, 1, 15, 3) and tg.equal(cl, x)
    assert cl.is_contiguous(memory_format=tg.channels_last) and not cl.is_contiguous()
    assert x.to(memory_format=tg.channels_last).stride() == (60, 1, 15, 3)
    assert x.to(tg.float64, memory_format=tg.channels_last).stride() == (60, 1, 15, 3)
    assert cl.to(memory_format=tg.contiguous_format).is_contiguous()
    assert cl.clone().stride() == (60, 1, 15, 3)  # preserve_format, as torch's default
    assert cl.clone(memory_format=tg.contiguous_format).is_contiguous()
    assert tg.clone(x.permute(0, 2, 3, 1)).stride() == (60, 5, 1, 20)
    assert tg.empty(2, 3, 4, 5, memory_format=tg.channels_last).stride() == (60, 1, 15, 3)
    assert tg.zeros_like(cl).stride() == (60, 1, 15, 3) and tg.ones_like(x).is_contiguous()
    assert tg.randn_like(cl, memory_format=tg.contiguous_format).is_contiguous()
    assert tg.empty(2, 3, 2, 4, 5, memory_format=tg.channels_last_3d).stride() == (120, 1, 60, 15, 3)
    with pytest.raises(ValueError, match="contiguous: channels_last needs a 4-d tensor, got shape \\[2, 3\\]"):
        tg.ones(2, 3).contiguous(memory_format=tg.channels_last)
    with pytest.raises(ValueError, match="preserve_format"):
        x.contiguous(memory_format=tg.preserve_format)
    with pytest.raises(ValueError, match="empty: preserve_format keeps an input's layout"):
        tg.empty(2, 3, 4, 5, memory_format=tg.preserve_format)
    with pytest.raises(TypeError, match="zeros: unexpected keyword argument 'memory_format'"):
        tg.zeros(2, memory_format=tg.channels_last)  # as torch.zeros, which takes none


def test_like_factories_keep_a_dense_inputs_strides_as_torch():
    torch = pytest.importorskip("torch")
    cases = [((2, 3, 4), (2, 0, 1)), ((2, 3, 4, 5), (0, 2, 3, 1)), ((4, 1, 3), (1, 2, 0)), ((2, 3, 4, 5), (3, 1, 0, 2))]
    for shape, perm in cases:
        a, b = tg.randn(*shape).permute(*perm), torch.randn(*shape).permute(*perm)
        for name in ("empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"):
            assert getattr(tg, name)(a).stride() == getattr(torch, name)(b).stride(), (name, shape, perm)
        assert tg.full_like(a, 3.0).stride() == torch.full_like(b, 3.0).stride()
        r = tg.randint_like(a, 2, 5)
        assert r.stride() == torch.randint_like(b, 2, 5).stride() and 2 <= r.min().item() and r.max().item() < 5
        assert (tg.full_like(a, 3.0) == 3).all().item() and (tg.zeros_like(a) == 0).all().item()
        assert tg.zeros_like(a, memory_format=tg.contiguous_format).is_contiguous()
    gaps = tg.randn(4, 6)[:, ::2]
    assert tg.empty_like(gaps).stride() == torch.empty_like(torch.randn(4, 6)[:, ::2]).stride() == (3, 1)


def test_module_to_and_conv_weight_conversion():
    model = tg.nn.Sequential(tg.nn.Conv2d(3, 8, 3), tg.nn.BatchNorm2d(8), tg.nn.Linear(4, 4))
    x = tg.randn(2, 3, 6, 6)
    expected = model[1](model[0](x))
    assert model.to(memory_format=tg.channels_last) is model
    assert model[0].weight.is_contiguous(memory_format=tg.channels_last)
    assert model[2].weight.is_contiguous()  # 2-d: untouched
    got = model[1](model[0](x.contiguous(memory_format=tg.channels_last)))
    assert np.allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    got.sum().backward()
    assert model[0].weight.grad.shape == (8, 3, 3, 3)
    with pytest.raises(ValueError, match="channels_last needs a 4-d tensor"):
        tg.nn.Conv3d(1, 1, 1).to(memory_format=tg.channels_last)  # as torch
    with pytest.raises(TypeError, match="Module.to: unexpected keyword argument 'format'"):
        model.to(format=tg.channels_last)
    model.to(memory_format=tg.contiguous_format)
    assert model[0].weight.is_contiguous()
    tg.nn.utils.convert_conv2d_weight_memory_format(model, tg.channels_last)
    assert model[0].weight.is_contiguous(memory_format=tg.channels_last)
    conv3 = tg.nn.utils.convert_conv3d_weight_memory_format(tg.nn.Conv3d(2, 2, 1), tg.channels_last_3d)
    assert conv3.weight.is_contiguous(memory_format=tg.channels_last_3d)


def test_against_torch():
    torch = pytest.importorskip("torch")
    a = np.random.randn(2, 3, 4, 5)
    for fmt in ("channels_last", "contiguous_format"):
        t, g = torch.from_numpy(a), tg.from_numpy(a)
        tt, gg = t.contiguous(memory_format=getattr(torch, fmt)), g.contiguous(memory_format=getattr(tg, fmt))
        assert tt.stride() == gg.stride()
        for clone_fmt in ("preserve_format", "contiguous_format", "channels_last"):
            assert tt.clone(memory_format=getattr(torch, clone_fmt)).stride() == \
                gg.clone(memory_format=getattr(tg, clone_fmt)).stride()
        assert torch.empty_like(tt).stride() == tg.empty_like(gg).stride()
        assert tt.permute(0, 2, 3, 1).clone().stride() == gg.permute(0, 2, 3, 1).clone().stride()
        for q in ("channels_last", "contiguous_format"):
            assert tt.is_contiguous(memory_format=getattr(torch, q)) == gg.is_contiguous(memory_format=getattr(tg, q))
    size1 = (2, 3, 1, 1)
    assert torch.ones(size1).is_contiguous(memory_format=torch.channels_last) == \
        tg.ones(size1).is_contiguous(memory_format=tg.channels_last)


def test_copy_forms_are_row_major_and_asarray_keeps_the_layout_as_torch():
    torch = pytest.importorskip("torch")
    a = np.random.randn(2, 3, 4)
    t, g = torch.from_numpy(a), tg.from_numpy(a)
    pairs = [
        (lambda L, x: L.t_copy(x[0]), "t_copy"),
        (lambda L, x: L.permute_copy(x, (2, 0, 1)), "permute_copy"),
        (lambda L, x: L.alias_copy(x.permute(2, 0, 1)), "alias_copy"),
        (lambda L, x: L.transpose_copy(x, 0, 2), "transpose_copy"),
        (lambda L, x: L.slice_copy(x.permute(2, 0, 1), 0, 0, 2), "slice_copy"),
        (lambda L, x: L.asarray(x.permute(2, 0, 1), copy=True), "asarray"),
    ]
    for f, name in pairs:
        assert f(torch, t).stride() == f(tg, g).stride(), name
