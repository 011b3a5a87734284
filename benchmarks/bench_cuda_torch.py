"""The same measurements as bench_cuda.cpp, in PyTorch on the GPU: elementwise add and copy of
2^28 float32 (GB/s moved), 8192^3 matmul in float32, TF32 and bfloat16 (TFLOP/s), the 3x3
convolution N=64 C=K=128 56x56 forward + backward (ms), training batch norm over [64, 128, 56, 56]
forward + backward (ms), complex64 products, GEMM and FFTs, a
1-element add per op (us), and the
Fashion-MNIST-shaped MLP and CNN training steps (samples/s). One "name value unit" line each.
usage: bench_cuda_torch.py [--quick]"""
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def time_gpu(f, warmup, iters, reps):
    for _ in range(warmup):
        f()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            f()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) / iters)
    return statistics.median(times)


def train_rate(model, x, y, warmup, steps, reps):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return x.shape[0] / time_gpu(step, warmup, steps, reps)


def main():
    quick = "--quick" in sys.argv
    reps = 1 if quick else 5
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()}")

    n = 1 << 20 if quick else 1 << 28
    a, b = torch.ones(n, device=dev), torch.ones(n, device=dev)
    c = torch.empty(n, device=dev)
    t = time_gpu(lambda: a + b, 3, 10, reps)
    print(f"add_f32_2^28 {12.0 * n / t / 1e9:.1f} GB/s")
    t = time_gpu(lambda: c.copy_(a), 3, 10, reps)
    print(f"copy_f32_2^28 {8.0 * n / t / 1e9:.1f} GB/s")
    del a, b, c

    n = 512 if quick else 8192
    flops = 2.0 * n**3
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    t = time_gpu(lambda: a @ b, 2, 5, reps)
    print(f"matmul_8192_f32 {flops / t / 1e12:.1f} TFLOP/s")
    torch.backends.cuda.matmul.allow_tf32 = True
    t = time_gpu(lambda: a @ b, 2, 10, reps)
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"matmul_8192_tf32 {flops / t / 1e12:.1f} TFLOP/s")
    ah, bh = a.bfloat16(), b.bfloat16()
    t = time_gpu(lambda: ah @ bh, 2, 10, reps)
    print(f"matmul_8192_bf16 {flops / t / 1e12:.1f} TFLOP/s")
    del a, b, ah, bh

    nb = 4 if quick else 64
    x = torch.randn(nb, 128, 56, 56, device=dev, requires_grad=True)
    w = (torch.randn(128, 128, 3, 3, device=dev) * 0.03).requires_grad_()

    def conv():
        y = F.conv2d(x, w, padding=1)
        y.backward(torch.ones_like(y))
        x.grad = None
        w.grad = None

    print(f"conv3x3_64x128x56x56_fwd_bwd {time_gpu(conv, 3, 10, reps) * 1e3:.3f} ms")

    nb = 2 if quick else 16
    x3 = torch.randn(nb, 64, 16, 56, 56, device=dev, requires_grad=True)
    w3 = (torch.randn(64, 64, 3, 3, 3, device=dev) * 0.03).requires_grad_()

    def conv3():
        y = F.conv3d(x3, w3, padding=1)
        y.backward(torch.ones_like(y))
        x3.grad = None
        w3.grad = None

    print(f"conv3x3x3_16x64x16x56x56_fwd_bwd {time_gpu(conv3, 3, 10, reps) * 1e3:.3f} ms")
    del x3, w3

    nb = 4 if quick else 64
    xb = torch.randn(nb, 128, 56, 56, device=dev, requires_grad=True)
    wb = torch.ones(128, device=dev, requires_grad=True)
    bb = torch.zeros(128, device=dev, requires_grad=True)
    rm, rv = torch.zeros(128, device=dev), torch.ones(128, device=dev)

    def batch_norm():
        y = F.batch_norm(xb, rm, rv, wb, bb, training=True)
        y.backward(torch.ones_like(y))
        xb.grad = wb.grad = bb.grad = None

    print(f"batch_norm_64x128x56x56_fwd_bwd {time_gpu(batch_norm, 3, 10, reps) * 1e3:.3f} ms")
    del xb

    n = 1 << 20 if quick else 1 << 26
    a = torch.randn(n, dtype=torch.complex64, device=dev)
    b = torch.randn(n, dtype=torch.complex64, device=dev)
    print(f"mul_c64_2^26 {24.0 * n / time_gpu(lambda: a * b, 3, 10, reps) / 1e9:.1f} GB/s")
    m = 512 if quick else 4096
    p = torch.randn(m, m, dtype=torch.complex64, device=dev)
    q = torch.randn(m, m, dtype=torch.complex64, device=dev)
    print(f"matmul_4096_c64 {8.0 * m**3 / time_gpu(lambda: p @ q, 2, 5, reps) / 1e12:.1f} TFLOP/s")
    rows = torch.randn(64 if quick else 4096, 1024, dtype=torch.complex64, device=dev)
    one = torch.randn(1 << 20, dtype=torch.complex64, device=dev)
    print(f"fft_4096x1024_c64 {time_gpu(lambda: torch.fft.fft(rows), 3, 20, reps) * 1e3:.3f} ms")
    print(f"fft_2^20_c64 {time_gpu(lambda: torch.fft.fft(one), 3, 20, reps) * 1e3:.3f} ms")
    del a, b, p, q, rows, one

    a, b = torch.ones(1, device=dev), torch.ones(1, device=dev)
    t = time_gpu(lambda: a + b, 100, 1000 if quick else 100000, reps)
    print(f"add_1elem_per_op {t * 1e6:.2f} us")

    torch.manual_seed(0)
    x = torch.randn(128, 784, device=dev)
    y = torch.randint(0, 10, (128,), device=dev)
    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 100), nn.ReLU(),
                        nn.Linear(100, 10)).to(dev)
    print(f"mlp_train_b128 {train_rate(mlp, x, y, 20, 10 if quick else 200, reps):.0f} samples/s")
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10)).to(dev)
    xi = torch.randn(128, 1, 28, 28, device=dev)
    print(f"cnn_train_b128 {train_rate(cnn, xi, y, 10, 5 if quick else 100, reps):.0f} samples/s")


if __name__ == "__main__":
    main()
