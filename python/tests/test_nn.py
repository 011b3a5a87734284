"""tg.nn from Python: Python subclasses of Module mixed with C++ layers, registration by
assignment, traversal, state_dict through tg.save/load, hooks, functional ops and optimizers."""
import io

import numpy as np
import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.nn import functional as F
from conftest import assert_close


class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.linear = nn.Linear(n, n)
        self.gain = nn.Parameter(tg.ones(n))
        self.register_buffer("calls", tg.zeros((), dtype=tg.int64))
        self.note = "plain attribute"

    def forward(self, x):
        self.calls.add_(1)
        return F.relu(self.linear(x)) * self.gain


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(4), Block(4)])
        self.head = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x)


def test_python_modules_register_and_traverse():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["blocks.0.gain", "blocks.0.linear.weight", "blocks.0.linear.bias", "blocks.1.gain",
                     "blocks.1.linear.weight", "blocks.1.linear.bias", "head.0.weight", "head.0.bias"]
    assert [n for n, _ in net.named_buffers()] == ["blocks.0.calls", "blocks.1.calls"]
    assert [n for n, _ in net.named_modules()][:3] == ["", "blocks", "blocks.0"]
    assert net.blocks[0].note == "plain attribute" and isinstance(net.blocks[1], Block)
    assert len(list(net.parameters())) == 8 and len(list(net.children())) == 2
    text = repr(net)
    assert text.startswith("Net(") and "(0): Block(" in text and "Linear(in_features=4, out_features=3, bias=True)" in text
    assert net.head[0].in_features == 4 and net.head[0].weight.shape == (3, 4)


def test_forward_backward_and_train_eval():
    net = Net()
    out = net(tg.randn(5, 4))
    assert out.shape == (5, 3)
    assert_close(out.exp().sum(1), np.ones(5), rtol=1e-5)
    out.sum().backward()
    assert net.blocks[0].linear.weight.grad is not None and net.blocks[0].calls.item() == 1
    net.eval()
    assert not net.training and not net.blocks[1].training
    net.train()
    assert net.head[1].training
    net.zero_grad()
    assert net.blocks[0].linear.weight.grad is None


def test_assignment_replaces_and_errors():
    b = Block(2)
    b.linear = nn.Linear(2, 2, bias=False)
    assert [n for n, _ in b.named_parameters()] == ["gain", "linear.weight"]
    assert isinstance(b.gain, nn.Parameter) and b.gain is b.gain and b.linear is b.linear
    registered = b.gain
    b.gain = nn.Parameter(tg.full((2,), 3.0))
    # As in PyTorch, the attribute becomes the new Parameter (an optimizer made before keeps the old one).
    assert b.gain is not registered and next(b.parameters()) is b.gain and b.gain.tolist() == [3.0, 3.0]
    b.register_buffer("extra", None)
    assert b.extra is None
    b.add_module("head", nn.Tanh())
    assert isinstance(b.head, nn.Tanh) and [n for n, _ in b.named_children()] == ["linear", "head"]
    b.add_module("linear", nn.Identity())  # as in PyTorch: a child of that name is replaced, in its place
    assert isinstance(b.linear, nn.Identity) and [n for n, _ in b.named_children()] == ["linear", "head"]
    with pytest.raises(ValueError, match="already registered"):
        b.add_module("gain", nn.Tanh())
    with pytest.raises(TypeError, match="Parameter"):
        b.gain = tg.ones(2)
    with pytest.raises(AttributeError):
        b.missing
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(tg.zeros(2, 2))
    assert lin(tg.ones(1, 2)).tolist() == [lin.bias.tolist()]


def test_state_dict_round_trip_through_safetensors(tmp_path):
    net, other = Net(), Net()
    path = tmp_path / "net.safetensors"
    tg.save(net.state_dict(), path)
    missing, unexpected = other.load_state_dict(tg.load(path))
    assert missing == [] and unexpected == []
    x = tg.randn(2, 4)
    assert tg.allclose(net(x), other(x))
    with pytest.raises(RuntimeError, match="head.0.weight"):
        other.load_state_dict({"head.0.weight": tg.zeros(1)})
    tg.save(net, tmp_path / "whole.safetensors")
    assert set(tg.load(tmp_path / "whole.safetensors")) == set(net.state_dict())


def test_save_and_load_take_file_objects_and_give_a_lone_tensor_back(tmp_path):
    # torch.save(obj, buffer) / torch.load(buffer): file objects, and a saved tensor loads as a tensor.
    net, x = Net(), tg.randn(2, 3)
    buf = io.BytesIO()
    tg.save(net.state_dict(), buf)
    buf.seek(0)
    assert set(tg.load(buf)) == set(net.state_dict())
    buf = io.BytesIO()
    tg.save(x, buf)
    buf.seek(0)
    back = tg.load(buf)
    assert isinstance(back, tg.Tensor) and tg.equal(back, x)
    buf.seek(0)
    assert tg.equal(tg.load_tensor(buf), x)
    buf = io.BytesIO()
    tg.save({"epoch": 2, "x": x}, buf, metadata={"run": "a"})
    buf.seek(0)
    assert tg.load(buf)["epoch"] == 2
    buf.seek(0)
    assert tg.load_metadata(buf)["run"] == "a"
    path = tmp_path / "x.safetensors"
    with open(path, "wb") as f:
        tg.save(x, f)
    assert tg.equal(tg.load(path), x) and tg.equal(tg.load_tensor(str(path)), x)
    with open(path, "rb") as f:
        assert tg.equal(tg.load(f, map_location="cpu"), x)
    # torch.load's other map_location forms: a function of (storage, location), a dict of names.
    assert tg.equal(tg.load(path, map_location=lambda storage, loc: storage), x)
    assert tg.equal(tg.load(path, map_location={"cuda:0": "cpu"}), x)
    assert tg.equal(tg.load(path, map_location=tg.device("cpu")), x)
    with pytest.raises(TypeError, match="save: cannot store object; checkpoints hold tensors"):
        tg.save(object(), io.BytesIO())
    with pytest.raises(RuntimeError, match="load: a safetensors file needs at least 8 bytes, got 3"):
        tg.load(io.BytesIO(b"abc"))
    with pytest.raises(ValueError, match="load_tensor: the file holds no tensor named 'tensor'"):
        tg.load_tensor(io.BytesIO(tg.save_to_bytes({"w": x})))


def test_state_dict_exchanges_with_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    lin = nn.Linear(3, 2)
    tg.save(lin.state_dict(), tmp_path / "a.safetensors")
    arrays = st.load_file(str(tmp_path / "a.safetensors"))
    np.testing.assert_array_equal(arrays["weight"], lin.weight.detach().numpy())
    st.save_file({"weight": np.ones((2, 3), np.float32), "bias": np.zeros(2, np.float32)}, str(tmp_path / "b.safetensors"))
    lin.load_state_dict(tg.load(tmp_path / "b.safetensors"))
    assert lin(tg.ones(1, 3)).tolist() == [[3.0, 3.0]]


def test_module_hooks_from_python():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append(("pre", type(m).__name__, len(args))))
    post = lin.register_forward_hook(lambda m, args, out: out * 0)
    assert lin(tg.ones(1, 2)).abs().sum().item() == 0 and calls == [("pre", "Linear", 1)]
    pre.remove()
    post.remove()
    assert lin(tg.ones(1, 2)).abs().sum().item() > 0
    grads = []
    lin.register_full_backward_hook(lambda m, gin, gout: grads.append((gin[0].shape, gout[0].shape)))
    x = tg.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert grads == [((1, 2), (1, 2))]


def test_cpp_containers_call_python_modules():
    seq = nn.Sequential(Block(3), nn.ReLU(), Block(3))
    assert seq(tg.randn(2, 3)).shape == (2, 3)
    d = nn.ModuleDict({"a": Block(2), "b": nn.Tanh()})
    assert set(d.keys()) == {"a", "b"} and "a" in d and isinstance(d["a"], Block)


def test_layers_take_pytorch_arguments():
    assert nn.Conv2d(1, 8, 3, padding=1)(tg.randn(2, 1, 28, 28)).shape == (2, 8, 28, 28)
    assert nn.Conv2d(3, 6, (3, 5), stride=2, padding="valid")(tg.randn(1, 3, 11, 11)).shape == (1, 6, 5, 4)
    assert nn.MaxPool2d(2)(tg.randn(1, 1, 4, 4)).shape == (1, 1, 2, 2)
    vol = tg.randn(2, 3, 4, 6, 6)
    assert nn.Conv3d(3, 8, (3, 3, 3), padding=1)(vol).shape == (2, 8, 4, 6, 6)
    assert nn.Conv3d(3, 6, 3, stride=(1, 2, 2), padding="valid", groups=3)(vol).shape == (2, 6, 2, 2, 2)
    assert nn.ConvTranspose3d(3, 2, 2, stride=2)(vol).shape == (2, 2, 8, 12, 12)
    assert nn.MaxPool3d((1, 2, 2))(vol).shape == (2, 3, 4, 3, 3)
    values, where = F.max_pool3d(vol, 2, return_indices=True)
    assert values.shape == where.shape == (2, 3, 2, 3, 3) and where.dtype == tg.int64
    assert nn.AvgPool3d(2, stride=1)(vol).shape == (2, 3, 3, 5, 5)
    assert nn.AdaptiveAvgPool3d(1)(vol).shape == (2, 3, 1, 1, 1)
    assert nn.AdaptiveMaxPool3d((2, 3, 3))(vol[0]).shape == (3, 2, 3, 3)
    assert nn.BatchNorm3d(3)(vol).shape == nn.InstanceNorm3d(3)(vol).shape == nn.Dropout3d()(vol).shape == vol.shape
    with pytest.raises(ValueError, match="conv3d: stride must be positive"):
        F.conv3d(vol, tg.randn(2, 3, 1, 1, 1), stride=(1, 0, 1))
    with pytest.raises(TypeError):
        nn.Conv3d(3, 3, (3, 3))
    img = tg.randn(2, 3, 6, 6)
    cols = F.unfold(img, 3, padding=1)
    assert cols.shape == (2, 27, 36) and nn.Unfold(2, stride=2)(img).shape == (2, 12, 9)
    assert nn.Fold((6, 6), 2, stride=2)(nn.Unfold(2, stride=2)(img)).allclose(img)
    assert tg.arange(5).unfold(0, 2, 1).tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]
    assert nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")(img).shape == (2, 4, 6, 6)
    assert nn.BatchNorm2d(8)(tg.randn(2, 8, 3, 3)).shape == (2, 8, 3, 3)
    assert nn.LayerNorm(5)(tg.randn(2, 5)).shape == (2, 5)
    assert nn.Embedding(10, 3, padding_idx=0)(tg.tensor([[0, 9]])).shape == (1, 2, 3)
    out, (h, c) = nn.LSTM(4, 6, num_layers=2, batch_first=True)(tg.randn(3, 5, 4))
    assert out.shape == (3, 5, 6) and h.shape == (2, 3, 6)
    attn_out, weights = nn.MultiheadAttention(8, 2, batch_first=True)(tg.randn(2, 3, 8), tg.randn(2, 4, 8), tg.randn(2, 4, 8))
    assert attn_out.shape == (2, 3, 8) and weights.shape == (2, 3, 4)
    assert nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)(tg.randn(2, 3, 8)).shape == (2, 3, 8)
    assert nn.Dropout(0.5).eval()(tg.ones(4)).tolist() == [1.0] * 4
    with pytest.raises(ValueError, match="padding"):
        nn.Conv2d(1, 1, 3, padding="full")
    row = tg.tensor([[1.0, 2.0, 3.0]])
    assert F.pad(row, (2, 1), mode="reflect").tolist() == [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    assert F.pad(row, (1, 1), mode="replicate").tolist() == [[1.0, 1.0, 2.0, 3.0, 3.0]]
    assert F.pad(row, (1, 2), mode="circular").tolist() == [[3.0, 1.0, 2.0, 3.0, 1.0, 2.0]]
    assert F.pad(tg.tensor([[1, 2]]), (1, 0), value=7).tolist() == [[7, 1, 2]]
    with pytest.raises(ValueError, match="must be less than its size 3"):
        F.pad(row, (3, 0), mode="reflect")



def test_recurrent_cells_and_transformer_stacks():
    rnn = nn.RNN(4, 6, num_layers=2, nonlinearity="relu")
    out, h = rnn(tg.randn(5, 3, 4))
    assert out.shape == (5, 3, 6) and h.shape == (2, 3, 6) and rnn.nonlinearity == "relu"
    out, (h, c) = nn.LSTM(4, 6, proj_size=2)(tg.randn(5, 3, 4))
    assert out.shape == (5, 3, 2) and h.shape == (1, 3, 2) and c.shape == (1, 3, 6)
    cell = nn.LSTMCell(4, 6)
    h, c = cell(tg.randn(3, 4))
    h, c = cell(tg.randn(3, 4), (h, c))
    assert h.shape == c.shape == (3, 6) and cell.weight_ih.shape == (24, 4)
    assert nn.GRUCell(4, 6)(tg.randn(4)).shape == (6,)
    seq = nn.Sequential(nn.RNNCell(4, 6), nn.Linear(6, 1))
    assert seq(tg.randn(2, 4)).shape == (2, 1)
    with pytest.raises(ValueError, match="nonlinearity must be"):
        nn.RNN(4, 6, nonlinearity="gelu")
    with pytest.raises(ValueError, match="proj_size must be 0"):
        nn.LSTM(4, 6, proj_size=6)
    with pytest.raises(RuntimeError, match="expected hidden state hx of shape"):
        nn.GRUCell(4, 6)(tg.randn(3, 4), tg.randn(2, 6))

    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    assert layer(tg.randn(2, 3, 8), tg.randn(2, 5, 8)).shape == (2, 3, 8)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2, norm=nn.LayerNorm(8))
    assert len(enc.layers) == 2 and "norm.weight" in dict(enc.named_parameters())
    memory = enc(tg.randn(5, 2, 8))
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), 3)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert dec(tg.randn(4, 2, 8), memory, tgt_mask=mask, tgt_is_causal=True).shape == (4, 2, 8)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                           custom_encoder=enc)
    assert model.encoder is enc and len(model.encoder.layers) == 2
    y = model(tg.randn(5, 2, 8), tg.randn(4, 2, 8), tgt_mask=mask)
    y.sum().backward()
    assert y.shape == (4, 2, 8) and all(p.grad is not None for p in model.parameters())
    with pytest.raises(RuntimeError, match="must have the same batch size"):
        model(tg.randn(5, 2, 8), tg.randn(4, 3, 8))
    with pytest.raises(ValueError, match="num_layers must be positive"):
        nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2), 0)


def test_ctc_loss():
    log_probs = tg.randn(10, 2, 5, requires_grad=True).log_softmax(2)
    loss = nn.CTCLoss()(log_probs, tg.tensor([[1, 2, 2], [3, 0, 0]]), [10, 8], [3, 1])
    loss.backward()
    assert loss.dim() == 0 and loss.item() > 0
    assert F.ctc_loss(log_probs, tg.tensor([1, 2, 2, 3]), [10, 8], [3, 1], reduction="none").shape == (2,)
    with pytest.raises(ValueError, match="ctc_loss: input length 11 of sequence 0 is outside"):
        F.ctc_loss(log_probs, tg.tensor([[1, 2, 2], [3, 0, 0]]), [11, 8], [3, 1])


def test_loss_modules_and_module_conveniences():
    criterion = nn.CrossEntropyLoss(weight=tg.tensor([1.0, 2.0, 3.0]), label_smoothing=0.1)
    logits, target = tg.randn(4, 3, requires_grad=True), tg.tensor([0, 1, 2, 1])
    loss = criterion(logits, target)
    assert tg.allclose(loss, F.cross_entropy(logits, target, weight=tg.tensor([1.0, 2.0, 3.0]), label_smoothing=0.1))
    loss.backward()
    assert logits.grad.shape == (4, 3) and list(criterion.state_dict()) == ["weight"]
    assert repr(criterion) == "CrossEntropyLoss()" and repr(nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss()"
    assert nn.MSELoss(reduction="sum")(tg.ones(3), tg.zeros(3)).item() == 3
    assert nn.L1Loss()(tg.ones(2), tg.zeros(2)).item() == 1
    assert nn.NLLLoss()(logits.log_softmax(1), target).item() == pytest.approx(F.cross_entropy(logits, target).item())
    assert nn.BCEWithLogitsLoss(pos_weight=tg.tensor([2.0]))(tg.zeros(1), tg.ones(1)).item() == pytest.approx(2 * np.log(2))
    assert nn.BCELoss()(tg.full((1,), 0.5), tg.ones(1)).item() == pytest.approx(np.log(2))
    assert nn.KLDivLoss(reduction="batchmean")(tg.log(tg.full((2, 2), 0.5)), tg.full((2, 2), 0.5)).item() == pytest.approx(0)
    net = Net()
    assert net.double() is net and net.head[0].weight.dtype == tg.float64 and net.float().head[0].weight.dtype == tg.float32
    assert net.requires_grad_(False) is net and not any(p.requires_grad for p in net.parameters())
    assert net.cpu() is net


def test_functional_and_init():
    logits = tg.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    target = tg.tensor([0, 2])
    ref = -np.log(np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(1, keepdims=True))[[0, 1], [0, 2]].mean()
    assert_close(F.cross_entropy(logits, target), ref, rtol=1e-5)
    assert F.cross_entropy(logits, target, reduction="none").shape == (2,)
    assert_close(F.mse_loss(tg.ones(3), tg.zeros(3)), 1.0)
    assert F.one_hot(tg.tensor([1, 0]), 3).tolist() == [[0, 1, 0], [1, 0, 0]]
    assert F.max_pool2d(tg.randn(1, 1, 4, 4), 2, return_indices=True)[1].dtype == tg.int64
    w = tg.empty(64, 32)
    assert nn.init.xavier_uniform_(w) is w and w.abs().max().item() <= (6 / 96) ** 0.5 + 1e-6
    nn.init.constant_(w, 0.5)
    assert w.sum().item() == 64 * 32 * 0.5
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(tg.ones(1), tg.ones(1), reduction="avg")


def test_optimizers_and_schedulers():
    w = nn.Parameter(tg.tensor([1.0, -2.0]))
    opt = tg.optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    # v1 = g0, w1 = w0 - lr v1; v2 = 0.9 v1 + g1, w2 = w1 - lr v2 (PyTorch's SGD)
    w0 = np.array([1.0, -2.0])
    v1 = 2 * w0
    w1 = w0 - 0.1 * v1
    w2 = w1 - 0.1 * (0.9 * v1 + 2 * w1)
    assert_close(w, w2, rtol=1e-6)
    groups = tg.optim.Adam([{"params": [w], "lr": 0.5}], betas=(0.8, 0.9))
    assert groups.param_groups[0]["lr"] == 0.5
    groups.param_groups[0]["lr"] = 0.25
    assert groups.param_groups[0]["lr"] == 0.25
    sched = tg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    assert sched.get_last_lr() == [pytest.approx(0.05)] and opt.param_groups[0]["lr"] == pytest.approx(0.05)
    # Counts of whole value given as floats, as torch's tutorials write StepLR(optimizer, 1.0, gamma=0.95).
    lr = tg.optim.lr_scheduler
    assert lr.StepLR(tg.optim.SGD([w], lr=1.0), 1.0, gamma=0.5).get_last_lr() == [1.0]
    assert lr.CosineAnnealingLR(tg.optim.SGD([w], lr=1.0), T_max=10.0).get_last_lr() == [1.0]
    assert lr.LinearLR(tg.optim.SGD([w], lr=1.0), total_iters=4.0).get_last_lr() == [pytest.approx(1 / 3)]
    assert lr.ReduceLROnPlateau(tg.optim.SGD([w], lr=1.0), patience=2.0, cooldown=1.0).get_last_lr() == [1.0]
    with pytest.raises(TypeError, match="incompatible constructor arguments"):
        lr.StepLR(tg.optim.SGD([w], lr=1.0), 1.5)
    state = opt.state_dict()
    opt2 = tg.optim.SGD([w], lr=0.1, momentum=0.9)
    opt2.load_state_dict(state)
    with pytest.raises(TypeError, match="unexpected keyword argument 'lrr'"):
        tg.optim.Adam([w], lrr=1)
    assert tg.nn.utils.clip_grad_norm_([w], 0.1).item() > 0


def test_data_loader_and_python_datasets():
    ds = tg.utils.data.TensorDataset(tg.arange(10).float().view(10, 1), tg.arange(10))
    batches = list(tg.utils.data.DataLoader(ds, batch_size=4, shuffle=True, seed=3))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert sorted(t for _, y in batches for t in y.tolist()) == list(range(10))

    class Squares(tg.utils.data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return tg.tensor([float(i)]), tg.tensor(i * i)

    loader = tg.utils.data.DataLoader(Squares(), batch_size=3, num_workers=2)
    seen = [y.tolist() for _, y in loader]
    assert seen == [[0, 1, 4], [9, 16, 25]] and len(loader) == 2
    # Leaving early and dropping the loader while its workers are busy in Python must not hang.
    for _ in range(3):
        busy = tg.utils.data.DataLoader(Squares(), batch_size=1, num_workers=2, prefetch_factor=2)
        next(iter(busy))
        del busy


def test_spatial_transformer_layers_and_new_layers():
    img = tg.randn(2, 3, 5, 7)
    theta = tg.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).expand(2, 2, 3)
    grid = F.affine_grid(theta, (2, 3, 5, 7))
    assert grid.shape == (2, 5, 7, 2)
    assert_close(F.grid_sample(img, grid), img.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(img, grid, padding_mode="wrap")
    vol = tg.randn(1, 2, 3, 4, 5)
    grid3 = F.affine_grid(tg.eye(3, 4).unsqueeze(0), (1, 2, 3, 4, 5), align_corners=True)
    assert grid3.shape == (1, 3, 4, 5, 3)
    assert_close(F.grid_sample(vol, grid3, align_corners=True), vol.numpy(), rtol=1e-5, atol=1e-6)
    assert_close(F.grid_sample(img, grid, mode="bicubic"), img.numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="bicubic.*4-D"):
        F.grid_sample(vol, grid3, mode="bicubic")
    bag = nn.EmbeddingBag(10, 4, mode="sum")
    out = bag(tg.tensor([1, 2, 3, 4]), tg.tensor([0, 3]))
    assert out.shape == (2, 4)
    assert_close(out[1], bag.weight[4].detach().numpy(), rtol=1e-6)
    assert nn.ConvTranspose1d(4, 2, 3, stride=2)(tg.randn(1, 4, 5)).shape == (1, 2, 11)
    pooled, where = F.adaptive_max_pool2d(img, 3, return_indices=True)
    assert pooled.shape == (2, 3, 3, 3) and where.dtype == tg.int64
    assert nn.AdaptiveMaxPool1d(2)(tg.randn(2, 3, 7)).shape == (2, 3, 2)


def test_margin_and_likelihood_losses():
    a, b = tg.tensor([[0.5, -1.0], [2.0, 0.0]]), tg.tensor([[1.0, 1.0], [0.0, 2.0]])
    y = tg.tensor([[1.0, -1.0], [-1.0, 1.0]])
    assert_close(F.margin_ranking_loss(a, b, y, margin=0.5, reduction="none"), [[1.0, 0.0], [2.5, 2.5]])
    assert_close(nn.HingeEmbeddingLoss()(a, y), np.mean([0.5, 2.0, 0.0, 0.0]))
    assert_close(F.soft_margin_loss(a, y, reduction="sum"), np.log1p(np.exp(-(a * y).numpy())).sum(), rtol=1e-6)
    sims = nn.CosineEmbeddingLoss(margin=0.1)(a, b, tg.tensor([1.0, -1.0]))
    assert sims.shape == ()
    # Sample 0 (class 1): max(0, 1 - (-1) + 0.5) / 2; sample 1 (class 0): max(0, 1 - 2 + 0) / 2.
    assert_close(F.multi_margin_loss(a, tg.tensor([1, 0]), reduction="none"), [1.25, 0.0])
    assert_close(nn.MultiLabelMarginLoss()(a, tg.tensor([[1, -1], [0, 1]])), (2.5 / 2 + 0.0) / 2)
    anchor = tg.tensor([[0.0, 0.0]])
    loss = F.triplet_margin_with_distance_loss(anchor, tg.tensor([[3.0, 4.0]]), tg.tensor([[0.0, 1.0]]),
                                               distance_function=lambda u, v: (u - v).abs().sum(-1))
    assert_close(loss, 1.0 + 7.0 - 1.0)
    assert_close(nn.GaussianNLLLoss()(a, b, tg.ones(2)), 0.5 * ((a - b) ** 2).numpy().mean(), rtol=1e-6)
    assert_close(F.poisson_nll_loss(a, b.abs()), (np.exp(a.numpy()) - b.abs().numpy() * a.numpy()).mean(), rtol=1e-6)
    with pytest.raises(ValueError, match="var has negative entries"):
        F.gaussian_nll_loss(a, b, -tg.ones(2))
    with pytest.raises(IndexError, match="target values must be class indices"):
        F.multi_margin_loss(a, tg.tensor([0, 2]))


def test_norms_take_bias_false_and_old_keywords():
    # torch 2.15's keyword-only bias=False on the batch, instance and group norms: the weight alone
    for layer in (nn.BatchNorm2d(3, bias=False), nn.InstanceNorm2d(3, affine=True, bias=False),
                  nn.SyncBatchNorm(3, bias=False), nn.GroupNorm(1, 3, bias=False)):
        assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
        assert "bias=False" in repr(layer) and layer(tg.randn(2, 3, 4, 4)).shape == (2, 3, 4, 4)
    assert repr(nn.BatchNorm1d(3, bias=False)) == ("BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=False, "
                                                   "track_running_stats=True)")
    assert list(nn.BatchNorm1d(3, bias=False).state_dict()) == ["weight", "running_mean", "running_var",
                                                                 "num_batches_tracked"]
    # what the options leave out reads as None, as torch registers it
    plain = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert plain.weight is None and plain.bias is None and plain.running_mean is None
    assert plain.num_batches_tracked is None and list(plain.state_dict()) == [] and list(plain.parameters()) == []
    assert nn.LayerNorm(3, elementwise_affine=False).weight is None and nn.LayerNorm(3, bias=False).bias is None
    assert nn.GroupNorm(1, 2, affine=False).weight is None and nn.InstanceNorm1d(3).running_var is None
    assert nn.RMSNorm(3, elementwise_affine=False).weight is None
    assert nn.LazyLinear(3, bias=False).bias is None and nn.LazyBatchNorm2d(affine=False).weight is None
    assert nn.LazyInstanceNorm1d(track_running_stats=False).running_mean is None
    # Hardtanh's deprecated min_value / max_value, with torch's FutureWarning
    with pytest.warns(FutureWarning, match="`min_value` is deprecated and renamed to `min_val`"):
        clip = nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert clip(tg.tensor([-5.0, 0.5, 5.0])).tolist() == [-2.0, 0.5, 3.0]
    # transposed convolutions take padding_mode, and only "zeros"
    assert nn.ConvTranspose2d(1, 1, 2, padding_mode="zeros").padding_mode == "zeros"
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose1d, got "reflect"'):
        nn.ConvTranspose1d(1, 1, 2, padding_mode="reflect")


def test_lp_pool_unpool_lrn_shuffle_and_random_layers():
    x = tg.rand(2, 4, 6, 6) + 0.1
    assert nn.LPPool2d(2, 2)(x).shape == (2, 4, 3, 3) and F.lp_pool1d(x[0], 3, 2).shape == (4, 6, 3)
    pooled, idx = F.max_pool2d(x, 2, return_indices=True)
    up = nn.MaxUnpool2d(2)(pooled, idx, output_size=[2, 4, 7, 6])
    assert up.shape == (2, 4, 7, 6) and int((up != 0).sum()) == pooled.numel()
    line = tg.arange(1.0, 10.0).view(1, 1, 9)  # output_size as a length or as the whole shape
    p1, i1 = F.max_pool1d(line, 2, return_indices=True)
    assert nn.MaxUnpool1d(2)(p1, i1, output_size=line.size()).shape == (1, 1, 9)
    assert nn.MaxUnpool1d(2)(p1, i1, output_size=9).shape == (1, 1, 9) and nn.MaxUnpool1d(2)(p1, i1).shape == (1, 1, 8)
    # transposed convolutions take output_size (as torch's forward does) to choose the output padding
    down, up2 = nn.Conv2d(3, 3, 3, stride=2, padding=1), nn.ConvTranspose2d(3, 3, 3, stride=2, padding=1)
    image = tg.randn(1, 3, 12, 11)
    assert up2(down(image), output_size=image.size()).shape == (1, 3, 12, 11) and up2(down(image)).shape == (1, 3, 11, 11)
    assert up2(down(image), output_size=[12, 12]).shape == (1, 3, 12, 12)
    with pytest.raises(ValueError, match="ConvTranspose2d: requested an output size of 14 in spatial dim 0, but valid "
                                         "sizes range from 11 to 12"):
        up2(down(image), output_size=(14, 11))
    assert nn.ConvTranspose1d(1, 1, 3, stride=2)(tg.ones(1, 1, 4), output_size=[10]).shape == (1, 1, 10)
    assert nn.ConvTranspose3d(1, 1, 1, stride=2)(tg.ones(1, 1, 2, 2, 2), [4, 3, 4]).shape == (1, 1, 4, 3, 4)
    assert nn.LocalResponseNorm(2)(x).shape == x.shape
    assert F.channel_shuffle(tg.arange(4.0).view(1, 4, 1), 2).flatten().tolist() == [0.0, 2.0, 1.0, 3.0]
    drop = nn.AlphaDropout(0.3)
    assert drop(x).shape == x.shape and drop.eval()(x).equal(x)
    assert nn.FeatureAlphaDropout(0.5)(x).shape == x.shape and nn.RReLU()(x - 0.5).shape == x.shape
    hard = F.gumbel_softmax(tg.randn(5, 3), hard=True)
    assert hard.sum(1).tolist() == [1.0] * 5
    with pytest.raises(ValueError, match="channel_shuffle: the number of channels"):
        F.channel_shuffle(x, 3)
    with pytest.raises(TypeError, match="max_unpool2d: indices must be int64"):
        F.max_unpool2d(pooled, idx.int(), 2)


def test_max_pool_modules_return_indices():
    x = tg.randn(2, 3, 8, 6)
    cases = [(nn.MaxPool1d(2, return_indices=True), lambda v: F.max_pool1d(v, 2, return_indices=True), x[0]),
             (nn.MaxPool2d(3, 2, 1, return_indices=True), lambda v: F.max_pool2d(v, 3, 2, 1, return_indices=True), x),
             (nn.MaxPool3d(2, return_indices=True), lambda v: F.max_pool3d(v, 2, return_indices=True), x),
             (nn.AdaptiveMaxPool1d(4, True), lambda v: F.adaptive_max_pool1d(v, 4, True), x[0]),
             (nn.AdaptiveMaxPool2d((3, 5), True), lambda v: F.adaptive_max_pool2d(v, (3, 5), True), x),
             (nn.AdaptiveMaxPool3d(2, True), lambda v: F.adaptive_max_pool3d(v, 2, True), x)]
    for module, fn, v in cases:
        (out, idx), (want, want_idx) = module(v), fn(v)
        assert module.return_indices and out.equal(want) and idx.equal(want_idx)
        module.return_indices = False
        assert module(v).equal(want)
    # The encoder-decoder pattern: pool with indices, then unpool through them.
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    up = unpool(*pool(x))
    assert up.shape == x.shape and int((up != 0).sum()) == 2 * 3 * 4 * 3


def test_fractional_max_pool():
    x = tg.randn(2, 3, 10, 9, requires_grad=True)
    u = tg.rand(2, 3, 2)
    y, idx = F.fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.6), return_indices=True, _random_samples=u)
    assert y.shape == idx.shape == (2, 3, 5, 5) and idx.dtype == tg.int64
    assert y.equal(x.flatten(2).gather(2, idx.flatten(2)).view(2, 3, 5, 5))
    assert F.fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.6), _random_samples=u).equal(y)
    y.sum().backward()
    assert x.grad.sum().item() == 150.0
    pool = nn.FractionalMaxPool2d(2, output_size=4, return_indices=True)
    assert repr(pool) == "FractionalMaxPool2d(kernel_size=2, output_size=4)" and pool.return_indices
    out, where = pool(x)
    assert out.shape == where.shape == (2, 3, 4, 4)
    pool.return_indices = False
    assert isinstance(pool(x), tg.Tensor)
    assert F.fractional_max_pool3d(tg.randn(3, 6, 6, 6), 2, output_size=3).shape == (3, 3, 3, 3)
    assert nn.FractionalMaxPool3d((1, 2, 2), output_ratio=0.5)(tg.randn(1, 2, 4, 6, 8)).shape == (1, 2, 2, 3, 4)
    with pytest.raises(ValueError, match="FractionalMaxPool2d: requires either an output_size or an output_ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="fractional_max_pool2d: random_samples must lie in"):
        F.fractional_max_pool2d(x, 2, output_size=4, _random_samples=u + 1)
    with pytest.raises(RuntimeError, match=r"random_samples must have shape \[2, 3, 2\]"):
        F.fractional_max_pool2d(x, 2, output_size=4, _random_samples=tg.rand(2, 3))


def test_pad_sequence_and_windows():
    from tapegrad.nn.utils.rnn import pad_sequence
    padded = pad_sequence([tg.ones(3, 2), tg.ones(1, 2)], batch_first=True)
    assert padded.shape == (2, 3, 2) and padded[1].sum().item() == 2.0
    assert nn.utils.rnn.pad_sequence([tg.ones(2)]).shape == (2, 1)
    assert tg.hann_window(4).tolist() == pytest.approx([0.0, 0.5, 1.0, 0.5])
    with pytest.raises(ValueError, match="padding_side must be 'left' or 'right'"):
        pad_sequence([tg.ones(2)], padding_side="up")
def test_packed_sequences_through_an_lstm():
    from tapegrad.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence,
                                       unpack_sequence, unpad_sequence)
    x = tg.randn(4, 3, 2)
    packed = pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
    assert isinstance(packed, PackedSequence) and "PackedSequence(data=" in repr(packed)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1] and packed.sorted_indices.tolist() == [1, 0, 2]
    lstm = nn.LSTM(2, 5, bidirectional=True)
    out, (h, c) = lstm(packed)
    assert isinstance(out, PackedSequence) and out.data.shape == (7, 10) and h.shape == (2, 3, 5)
    padded, lengths = pad_packed_sequence(out, batch_first=True)
    assert padded.shape == (3, 4, 10) and lengths.tolist() == [2, 4, 1]
    assert padded[2, 1:].abs().sum().item() == 0.0
    padded.sum().backward()
    assert lstm.weight_ih_l0.grad is not None
    same = PackedSequence(packed.data, packed.batch_sizes, [1, 0, 2], [1, 0, 2])
    assert pad_packed_sequence(same)[0].tolist() == pad_packed_sequence(packed)[0].tolist()
    seqs = [tg.ones(3, 2), tg.zeros(1, 2)]
    assert [s.shape for s in unpack_sequence(pack_sequence(seqs))] == [(3, 2), (1, 2)]
    assert [s.shape for s in unpad_sequence(x, [4, 2, 1])] == [(4, 2), (2, 2), (1, 2)]
    assert pack_padded_sequence(x, tg.tensor([4, 2, 1])).sorted_indices is None
    with pytest.raises(ValueError, match="the lengths must be in decreasing order"):
        pack_padded_sequence(x, [1, 2, 3])
    with pytest.raises(ValueError, match="total_length 2 is less than the longest sequence, 4"):
        pad_packed_sequence(packed, total_length=2)
    # a named tuple, as torch's: unpacking, indexing, _replace, and conversions of the data
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert data is packed.data and unsorted_indices.tolist() == [1, 0, 2] and len(packed) == 4
    assert packed[1] is packed.batch_sizes and packed._fields[2] == "sorted_indices"
    doubled = packed._replace(data=packed.data * 2)
    assert isinstance(doubled, PackedSequence) and tg.equal(doubled.data, packed.data * 2)
    assert doubled.sorted_indices is packed.sorted_indices and list(packed._asdict()) == list(packed._fields)
    assert PackedSequence._make([data, batch_sizes]).unsorted_indices is None
    assert packed.double().data.dtype == tg.float64 and packed.to(tg.float16).data.dtype == tg.float16
    assert tg.equal(packed.long().batch_sizes, packed.batch_sizes) and packed.to("cpu") is packed and not packed.is_cuda
    assert packed.cpu() is packed and tg.equal(packed.float().data, packed.data)




def test_init_eye_dirac_and_sparse():
    w = tg.empty(2, 3)
    assert tg.nn.init.eye_(w) is w
    assert tg.equal(w, tg.eye(2, 3))
    k = tg.nn.init.dirac_(tg.empty(4, 2, 3, 3), groups=2)
    assert k.sum().item() == 4.0
    s = tg.nn.init.sparse_(tg.empty(10, 5), 0.3, std=1.0, generator=tg.Generator(1))
    assert (s == 0).sum(0).tolist() == [3.0] * 5 or (s == 0).sum(0).tolist() == [3] * 5
    with pytest.raises(ValueError, match="sparse_: only tensors with 2 dimensions"):
        tg.nn.init.sparse_(tg.empty(3), 0.1)


def test_nn_utils_norms_and_parameter_vectors_match_pytorch():
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for p, q in zip(model.parameters(), ref.parameters()):
            q.copy_(torch.tensor(p.tolist()))
    x = [[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]
    (model(tg.tensor(x)) ** 2).sum().backward()
    (ref(torch.tensor(x)) ** 2).sum().backward()
    for norm_type in (2.0, 1.0, float("inf")):
        ours = nn.utils.get_total_norm([p.grad for p in model.parameters()], norm_type)
        theirs = torch.nn.utils.get_total_norm([p.grad for p in ref.parameters()], norm_type)
        assert abs(ours.item() - theirs.item()) < 1e-4 * max(1.0, theirs.item())
    total = nn.utils.get_total_norm([p.grad for p in model.parameters()])
    nn.utils.clip_grads_with_norm_(model.parameters(), 0.5, total)
    torch.nn.utils.clip_grads_with_norm_(ref.parameters(), 0.5,
                                         torch.nn.utils.get_total_norm([p.grad for p in ref.parameters()]))
    for p, q in zip(model.parameters(), ref.parameters()):
        assert_close(p.grad, q.grad.numpy(), rtol=1e-5, atol=1e-6)
    # One tensor or a generator of them, as PyTorch accepts.
    w = nn.Parameter(tg.tensor([3.0, 4.0]))
    w.grad = tg.tensor([3.0, 4.0])
    assert abs(nn.utils.clip_grad_norm_(w, 1.0).item() - 5.0) < 1e-6
    assert abs(nn.utils.clip_grad_norm_((p for p in [w]), 1.0).item() - 1.0) < 1e-5

    vec = nn.utils.parameters_to_vector(model.parameters())
    assert_close(vec, torch.nn.utils.parameters_to_vector(ref.parameters()).detach().numpy(), rtol=1e-6)
    new = tg.arange(vec.numel()).float()
    nn.utils.vector_to_parameters(new, model.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(vec.numel()).float(), ref.parameters())
    for p, q in zip(model.parameters(), ref.parameters()):
        assert_close(p, q.detach().numpy())
    with pytest.raises(TypeError, match="expected a Tensor, but got list"):
        nn.utils.vector_to_parameters([1.0], model.parameters())
    with pytest.raises(ValueError, match="vec has 3 elements but the parameters hold 26"):
        nn.utils.vector_to_parameters(tg.zeros(3), model.parameters())


def test_optimizer_state_defaults_and_added_groups():
    model = nn.Linear(3, 2)
    opt = tg.optim.AdamW(model.parameters(), lr=0.01)
    assert opt.defaults == {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False,
                            "maximize": False, "decoupled_weight_decay": True}
    assert opt.state == {}
    model(tg.ones(4, 3)).sum().backward()
    opt.step()
    # PyTorch's opt.state[p]: the optimizer's own tensors, by parameter.
    assert set(opt.state) == set(model.parameters())
    assert set(opt.state[model.weight]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state[model.bias]["exp_avg"].shape == (2,)
    # A group added later (unfreezing a layer) takes the defaults for what it does not set.
    head = nn.Parameter(tg.ones(3))
    opt.add_param_group({"params": head, "lr": 0.5, "betas": (0.5, 0.6)})
    group = opt.param_groups[1]
    assert group["lr"] == 0.5 and group["betas"] == (0.5, 0.6) and group["weight_decay"] == 0.01
    assert group["params"][0] is head
    head.sum().backward()
    opt.step()
    assert head.tolist() != [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [model.weight]})
    with pytest.raises(ValueError, match="a parameter group needs a 'params' entry"):
        opt.add_param_group({"lr": 0.1})
    assert len(opt.param_groups) == 2
    # Parameter containers hand out the same Parameter objects.
    plist = nn.ParameterList([nn.Parameter(tg.ones(1)), nn.Parameter(tg.zeros(2))])
    assert isinstance(plist[0], nn.Parameter) and plist[-1] is plist[1]
    assert [p is q for p, q in zip(plist, plist.parameters())] == [True, True]
    pdict = nn.ParameterDict({"a": nn.Parameter(tg.ones(1))})
    assert pdict["a"] is next(pdict.parameters()) and pdict.values()[0] is pdict["a"]


def test_weight_tying_shares_one_parameter():
    # GPT's idiom: the output layer uses the embedding's matrix; one parameter, one gradient.
    emb, head = nn.Embedding(5, 3), nn.Linear(3, 5, bias=False)
    head.weight = emb.weight
    assert head.weight is emb.weight
    model = nn.Sequential(emb, head)
    assert [n for n, _ in model.named_parameters()] == ["0.weight"]  # listed once, as in PyTorch
    tokens = tg.tensor([[0, 3, 1]])
    logits = model(tokens)
    assert_close(logits, tg.matmul(emb.weight[tokens], emb.weight.t()), rtol=1e-6)
    logits.sum().backward()
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    before = emb.weight.detach().clone()
    opt.step()
    assert_close(head.weight, before - 0.1 * emb.weight.grad, rtol=1e-6)
    # Recurrent and convolution layers rebind their weights too.
    lstm, conv = nn.LSTM(2, 3), nn.Conv1d(1, 1, 3)
    lstm.weight_hh_l0 = nn.Parameter(tg.zeros(12, 3))
    out, _ = lstm(tg.ones(4, 1, 2))
    conv.weight = nn.Parameter(tg.zeros(1, 1, 3))
    assert conv(tg.ones(1, 1, 5)).tolist() == [[[conv.bias.item()] * 3]]
    assert lstm.weight_hh_l0.tolist() == [[0.0] * 3] * 12 and out.shape == (4, 1, 3)


def test_parameter_groups_keep_keys_of_their_own():
    # As in torch, a group may carry keys that are no option ("name" here); they stay with it,
    # in state_dict too. Keywords of the optimizer itself are still checked.
    enc, head = nn.Parameter(tg.ones(2)), nn.Parameter(tg.ones(3))
    opt = tg.optim.AdamW([{"params": [enc], "name": "encoder", "lr": 0.01}, {"params": head, "name": "head"}], lr=0.1)
    assert [g["name"] for g in opt.param_groups] == ["encoder", "head"]
    assert opt.param_groups[1]["lr"] == 0.1 and "name" in opt.param_groups[0]
    assert list(opt.param_groups[0].keys())[-1] == "name"
    opt.param_groups[0]["frozen_until"] = 3  # a new key, as on a torch group dict
    extra = nn.Parameter(tg.ones(1))
    opt.add_param_group({"params": extra, "name": "late", "betas": (0.5, 0.6)})
    assert opt.param_groups[2]["name"] == "late" and opt.param_groups[2]["betas"] == (0.5, 0.6)
    sd = opt.state_dict()
    assert sd["param_groups"][0]["name"] == "encoder" and sd["param_groups"][0]["frozen_until"] == 3
    other = tg.optim.AdamW([{"params": [enc]}, {"params": [head]}, {"params": [extra]}], lr=0.5)
    assert "name" not in other.param_groups[0] and other.param_groups[0].get("name", "none") == "none"
    other.load_state_dict(sd)
    assert [g["name"] for g in other.param_groups] == ["encoder", "head", "late"]
    assert other.param_groups[0]["lr"] == 0.01 and other.param_groups[0]["frozen_until"] == 3
    with pytest.raises(KeyError, match="'params' cannot be set"):
        opt.param_groups[0]["params"] = [enc]
    with pytest.raises(TypeError, match="unexpected keyword argument 'lrr'"):
        tg.optim.SGD([enc], lrr=0.1)
    torch = pytest.importorskip("torch")
    t_opt = torch.optim.AdamW([{"params": [torch.nn.Parameter(torch.ones(2))], "name": "encoder", "lr": 0.01}], lr=0.1)
    t_sd = t_opt.state_dict()
    mine = tg.optim.AdamW([enc], lr=0.1)
    mine.load_state_dict(t_sd)  # a torch state_dict's own keys load too
    assert mine.param_groups[0]["name"] == "encoder" and mine.param_groups[0]["lr"] == 0.01


def test_functional_inplace_flags_write_into_the_input():
    for fn, args in ((F.dropout, (0.5, True)), (F.dropout1d, (0.5, True)), (F.dropout2d, (0.5, True)),
                     (F.alpha_dropout, (0.5, True)), (F.feature_alpha_dropout, (0.5, True)),
                     (F.rrelu, (0.1, 0.3, True))):
        x = -tg.ones(4, 8, 6)
        out = fn(x, *args, inplace=True)
        assert out is x and not tg.equal(x, -tg.ones(4, 8, 6)), fn.__name__
        y = -tg.ones(4, 8, 6)
        assert fn(y, *args) is not y and tg.equal(y, -tg.ones(4, 8, 6))
    x = -tg.ones(3)
    assert F.rrelu_(x) is x and x.tolist() == pytest.approx([-(1 / 8 + 1 / 3) / 2] * 3)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        F.dropout(tg.ones(3, requires_grad=True), inplace=True)


def test_apply_and_hooks_reach_python_modules():
    # A module written in Python is handed to apply's function and to its hooks as itself (they
    # once failed with bad_weak_ptr: pybind11 holds such a module without a shared_ptr).
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return self.lin(x).relu()

    inner = Block()
    model = nn.Sequential(inner, nn.Linear(2, 2))
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Block", "Linear", "Sequential"]
    calls = []
    inner.register_forward_pre_hook(lambda m, i: calls.append(("pre", m is inner)))
    inner.register_forward_hook(lambda m, i, o: calls.append(("post", m is inner)))
    inner.register_full_backward_hook(lambda m, gi, go: calls.append(("backward", m is inner)))
    model(tg.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == [("pre", True), ("post", True), ("backward", True)]


def test_init_deprecated_names_warn_and_initialise():
    w = tg.zeros(3, 4)
    with pytest.warns(FutureWarning, match="nn.init.constant_"):
        nn.init.constant(w, 0.5)
    assert w.tolist() == [[0.5] * 4] * 3
    with pytest.warns(FutureWarning, match="xavier_uniform_"):
        nn.init.xavier_uniform(w)
    assert float(w.abs().max()) <= (6 / 7) ** 0.5


def test_utils_submodules_at_pytorchs_paths():
    from tapegrad.nn.utils.clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_
    from tapegrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
    layer = nn.Linear(3, 2)
    layer(tg.ones(3)).sum().backward()
    assert clip_grad_norm_ is nn.utils.clip_grad_norm_ and clip_grad_norm is nn.utils.clip_grad_norm
    clip_grad_value_(layer.parameters(), 0.5)
    assert float(layer.weight.grad.abs().max()) <= 0.5
    vec = parameters_to_vector(layer.parameters())
    vector_to_parameters(vec * 0, layer.parameters())
    assert float(layer.weight.abs().sum()) == 0.0
