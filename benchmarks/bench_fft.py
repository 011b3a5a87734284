"""torch.fft's transforms, stft / istft, complex arithmetic and complex linear algebra for
tapegrad or PyTorch (the same code runs on either), CPU tensors, one thread: milliseconds per call, best of 7. Lengths: powers of two,
smooth (2^a 3^b 5^c) and prime (Bluestein for tapegrad), batched rows and 2-D images. Prints
"name value unit" lines for side_by_side.py.
usage: bench_fft.py [tapegrad|torch]"""
import importlib
import sys
import time


def best_of(fn, repeat=7):
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "tapegrad"
    lib = importlib.import_module(name)
    lib.set_num_threads(1)
    print(f"{name} {lib.__version__}, CPU tensors, 1 thread")
    gen = lib.Generator().manual_seed(0)
    for dtype, cdtype in (("float32", "complex64"), ("float64", "complex128")):
        real_t, complex_t = getattr(lib, dtype), getattr(lib, cdtype)
        for rows, n in ((1, 1 << 20), (256, 1024), (4096, 64), (64, 1000), (64, 997), (256, 4096)):
            x = lib.randn(rows, n, generator=gen, dtype=complex_t)
            r = lib.randn(rows, n, generator=gen, dtype=real_t)
            print(f"fft_{rows}x{n}_{cdtype} {best_of(lambda: lib.fft.fft(x)):.3f} ms")
            print(f"rfft_{rows}x{n}_{dtype} {best_of(lambda: lib.fft.rfft(r)):.3f} ms")
        spec = lib.fft.rfft(lib.randn(256, 1024, generator=gen, dtype=real_t))
        print(f"irfft_256x1024_{dtype} {best_of(lambda: lib.fft.irfft(spec)):.3f} ms")
        img = lib.randn(16, 256, 256, generator=gen, dtype=real_t)
        print(f"rfft2_16x256x256_{dtype} {best_of(lambda: lib.fft.rfft2(img)):.3f} ms")
        z = lib.randn(1 << 20, generator=gen, dtype=complex_t)
        w = lib.randn(1 << 20, generator=gen, dtype=complex_t)
        print(f"mul_1M_{cdtype} {best_of(lambda: z * w):.3f} ms")
        print(f"abs_1M_{cdtype} {best_of(lambda: z.abs()):.3f} ms")
        print(f"exp_1M_{cdtype} {best_of(lambda: z.exp()):.3f} ms")
        print(f"sum_1M_{cdtype} {best_of(lambda: z.sum()):.3f} ms")
        a = lib.randn(256, 256, generator=gen, dtype=complex_t)
        print(f"matmul_256_{cdtype} {best_of(lambda: a @ a):.3f} ms")
        # Short-time transforms of a batch of one-second 16 kHz signals, hann window, hop n_fft / 4.
        sig = lib.randn(8, 16000, generator=gen, dtype=real_t)
        win = lib.hann_window(512, dtype=real_t)
        spec = lib.stft(sig, 512, 128, window=win, return_complex=True)
        print(f"stft_8x16000_n512_{dtype} {best_of(lambda: lib.stft(sig, 512, 128, window=win, return_complex=True)):.3f} ms")
        print(f"istft_8x16000_n512_{dtype} {best_of(lambda: lib.istft(spec, 512, 128, window=win, length=16000)):.3f} ms")
        # Complex linear algebra (LAPACK's c/z routines under both).
        m = lib.randn(128, 128, generator=gen, dtype=complex_t) + 16 * lib.eye(128, dtype=complex_t)
        rhs = lib.randn(128, 16, generator=gen, dtype=complex_t)
        herm = m + m.mH
        batch = lib.randn(512, 4, 4, generator=gen, dtype=complex_t) + 4 * lib.eye(4, dtype=complex_t)
        print(f"solve_128_{cdtype} {best_of(lambda: lib.linalg.solve(m, rhs)):.3f} ms")
        print(f"inv_512x4x4_{cdtype} {best_of(lambda: lib.linalg.inv(batch)):.3f} ms")
        print(f"det_512x4x4_{cdtype} {best_of(lambda: lib.linalg.det(batch)):.3f} ms")
        print(f"eigh_128_{cdtype} {best_of(lambda: lib.linalg.eigh(herm)):.3f} ms")
        print(f"svd_128_{cdtype} {best_of(lambda: lib.linalg.svd(m)):.3f} ms")
        print(f"qr_128_{cdtype} {best_of(lambda: lib.linalg.qr(m)):.3f} ms")


if __name__ == "__main__":
    main()
