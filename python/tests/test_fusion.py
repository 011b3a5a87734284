"""tg.nn.utils.fusion: a convolution or Linear with the evaluation-mode BatchNorm after it folded in."""
import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn.utils import fusion


def trained_bn(bn, x):
    bn.train()
    for _ in range(3):
        bn(x * 2 + 1)
    with tg.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    return bn.eval()


def test_conv_and_linear_fold_their_batch_norm():
    tg.manual_seed(0)
    x = tg.randn(2, 3, 6, 6)
    conv = nn.Conv2d(3, 4, 3, bias=False).eval()
    bn = trained_bn(nn.BatchNorm2d(4), conv(x))
    fused = fusion.fuse_conv_bn_eval(conv, bn)
    assert type(fused) is nn.Conv2d and fused is not conv and fused.bias is not None
    assert tg.allclose(fused(x), bn(conv(x)), atol=1e-5)
    assert conv.bias is None  # the original is untouched
    deconv = nn.ConvTranspose2d(3, 5, 2).eval()
    bn5 = trained_bn(nn.BatchNorm2d(5), deconv(x))
    assert tg.allclose(fusion.fuse_conv_bn_eval(deconv, bn5, transpose=True)(x), bn5(deconv(x)), atol=1e-5)
    linear = nn.Linear(3, 4).eval()
    v = tg.randn(8, 3)
    bn1 = trained_bn(nn.BatchNorm1d(4), linear(v))
    assert tg.allclose(nn.utils.fuse_linear_bn_eval(linear, bn1)(v), bn1(linear(v)), atol=1e-5)
    w, b = fusion.fuse_linear_bn_weights(linear.weight, None, bn1.running_mean, bn1.running_var, bn1.eps, None, None)
    assert isinstance(w, nn.Parameter) and tg.allclose(b, -bn1.running_mean * tg.rsqrt(bn1.running_var + bn1.eps))


def test_fusion_errors():
    with pytest.raises(ValueError, match="Fusion only for eval"):
        fusion.fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2).eval())
    with pytest.raises(ValueError, match="linear.out_features == bn.num_features"):
        fusion.fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(4).eval())
    with pytest.raises(ValueError, match="track_running_stats=True"):
        fusion.fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(3, track_running_stats=False).eval())


def test_batch_norm_attributes():
    bn = nn.BatchNorm2d(3, eps=1e-3, momentum=0.2)
    assert (bn.eps, bn.momentum, bn.affine, bn.track_running_stats, bn.num_features) == (1e-3, 0.2, True, True, 3)
    bn.momentum = 1.0  # the running mean becomes the batch mean
    x = tg.randn(4, 3, 2, 2)
    bn(x)
    assert tg.allclose(bn.running_mean, x.mean(dim=[0, 2, 3]), atol=1e-6)
    assert nn.InstanceNorm1d(2).affine is False


def test_batch_norm_momentum_none_is_a_cumulative_average():
    torch = pytest.importorskip("torch")
    bn, ref = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    assert bn.momentum is None and "momentum=None" in repr(bn)
    for i in range(4):
        x = tg.randn(6 + i, 3) * (i + 1) + i
        bn(x)
        ref(torch.tensor(x.numpy()))
    assert int(bn.num_batches_tracked) == 4
    assert tg.allclose(bn.running_mean, tg.tensor(ref.running_mean.numpy()), atol=1e-5)
    assert tg.allclose(bn.running_var, tg.tensor(ref.running_var.numpy()), atol=1e-5)
    bn.momentum = 0.5  # and back to an exponential average
    assert bn.momentum == 0.5
    lazy = nn.LazyBatchNorm2d(momentum=None)
    lazy(tg.randn(2, 4, 3, 3))
    assert lazy.momentum is None
    inorm = nn.InstanceNorm1d(2, momentum=None, track_running_stats=True)
    inorm(tg.randn(3, 2, 5))  # like PyTorch: running stats left as they were
    assert tg.equal(inorm.running_mean, tg.zeros(2))
    lazy.momentum = 0.3  # reaches the layer built on the first input
    assert lazy.momentum == 0.3 and lazy.__dict__["_tg_layer"].momentum == 0.3
    early = nn.LazyBatchNorm1d(eps=1e-3)
    early.momentum = None
    assert early.eps == 1e-3 and early.affine and early.track_running_stats
    early(tg.randn(4, 2))
    assert early.momentum is None and int(early.num_batches_tracked) == 1
