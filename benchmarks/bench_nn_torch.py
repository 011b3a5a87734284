"""The same measurements as bench_nn.cpp, in PyTorch (eager, CPU): the Fashion-MNIST MLP and CNN
training steps (Adam, batch 128, synthetic data), one large convolution forward + backward, and
layer norm and cross-entropy forward + backward.
Prints one "name value unit" line per figure, for 1 thread and for all threads.
usage: bench_nn_torch.py [--threads N]"""
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def step_time(model, x, y, warmup, steps, reps):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times)


def report(name, value, unit):
    print(f"{name:32} {value:12.3f} {unit}", flush=True)


def main():
    all_threads = torch.get_num_threads()
    if "--threads" in sys.argv:
        all_threads = int(sys.argv[sys.argv.index("--threads") + 1])
    torch.manual_seed(0)
    batch = 128
    xm, ym = torch.randn(batch, 784), torch.randint(0, 10, (batch,))
    xc = torch.randn(batch, 1, 28, 28)
    conv_x = torch.randn(64, 128, 56, 56, requires_grad=True)
    conv = nn.Conv2d(128, 128, 3, padding=1)
    ln_x, ln_g = torch.randn(8192, 768, requires_grad=True), torch.randn(8192, 768)
    ln = nn.LayerNorm(768)
    ce_x, ce_y = torch.randn(4096, 1000, requires_grad=True), torch.randint(0, 1000, (4096,))
    gelu_x = torch.randn(4096, 3072, requires_grad=True)
    gn_x, gnorm = torch.randn(32, 64, 28, 28, requires_grad=True), nn.GroupNorm(8, 64)
    seg_x, seg_y = torch.randn(8, 21, 64, 64, requires_grad=True), torch.randint(0, 21, (8, 64, 64))
    vol_x = torch.randn(8, 16, 16, 32, 32, requires_grad=True)
    vol_stage = nn.Sequential(nn.Conv3d(16, 32, 3, padding=1), nn.BatchNorm3d(32), nn.ReLU(), nn.MaxPool3d(2))
    frac_x, frac_u = torch.randn(32, 64, 56, 56, requires_grad=True), torch.rand(32, 64, 2)
    ctc_x, ctc_y = torch.randn(150, 32, 80, requires_grad=True), torch.randint(1, 80, (32, 40))
    ctc_in, ctc_tl = torch.full((32,), 150, dtype=torch.long), torch.randint(20, 41, (32,))
    lstm_x = torch.randn(32, 50, 128)
    lstm = nn.LSTM(128, 256, num_layers=2, batch_first=True)
    print(f"torch {torch.__version__}, {all_threads} threads available")
    for threads in (1, all_threads):
        torch.set_num_threads(threads)
        t = f"/{threads}"
        mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 100),
                            nn.ReLU(), nn.Linear(100, 10))
        mlp_step = step_time(mlp, xm, ym, 20, 100, 5)
        report("mlp_train_samples_per_s" + t, batch / mlp_step, "samples/s")
        report("mlp_epoch_60k" + t, mlp_step * (60000 / batch), "s")
        cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))
        cnn_step = step_time(cnn, xc, ym, 3, 10, 3)
        report("cnn_train_samples_per_s" + t, batch / cnn_step, "samples/s")
        times = []
        for _ in range(6):
            conv_x.grad = None
            t0 = time.perf_counter()
            conv(conv_x).sum().backward()
            times.append(time.perf_counter() - t0)
        report("conv2d_64x128x56x56_k3_fwd_bwd" + t, statistics.median(times[1:]) * 1e3, "ms")

        def median_ms(fn):
            ts = []
            for _ in range(12):
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
            return statistics.median(ts[1:]) * 1e3

        def ln_step():
            ln_x.grad = None
            ln(ln_x).backward(ln_g)

        def ce_step():
            ce_x.grad = None
            F.cross_entropy(ce_x, ce_y, label_smoothing=0.1).backward()

        report("layer_norm_8192x768_fwd_bwd" + t, median_ms(ln_step), "ms")
        report("cross_entropy_4096x1000_fwd_bwd" + t, median_ms(ce_step), "ms")

        def gelu_step():
            gelu_x.grad = None
            F.gelu(gelu_x).sum().backward()

        def gn_step():
            gn_x.grad = None
            gnorm(gn_x).sum().backward()

        def seg_step():
            seg_x.grad = None
            F.cross_entropy(seg_x, seg_y).backward()

        report("gelu_4096x3072_fwd_bwd" + t, median_ms(gelu_step), "ms")
        report("group_norm_32x64x28x28_g8_fwd_bwd" + t, median_ms(gn_step), "ms")
        report("cross_entropy_8x21x64x64_fwd_bwd" + t, median_ms(seg_step), "ms")

        def ctc_step():
            ctc_x.grad = None
            F.ctc_loss(F.log_softmax(ctc_x, 2), ctc_y, ctc_in, ctc_tl).backward()

        report("ctc_loss_150x32x80_s40_fwd_bwd" + t, median_ms(ctc_step), "ms")

        def lstm_step():
            lstm.zero_grad()
            lstm(lstm_x)[0].sum().backward()

        report("lstm_2x256_50x32_fwd_bwd" + t, median_ms(lstm_step), "ms")

        def vol_step():
            vol_x.grad = None
            vol_stage(vol_x).sum().backward()

        report("conv3d_bn_relu_maxpool3d_8x16x16x32x32_fwd_bwd" + t, median_ms(vol_step), "ms")

        def frac_step():
            frac_x.grad = None
            F.fractional_max_pool2d(frac_x, 2, output_ratio=(0.7, 0.7), _random_samples=frac_u).sum().backward()

        report("fractional_max_pool2d_32x64x56x56_r0.7_fwd_bwd" + t, median_ms(frac_step), "ms")


if __name__ == "__main__":
    main()
