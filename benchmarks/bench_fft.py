"""torch.fft's transforms and complex arithmetic for tapegrad or PyTorch (the same code runs on
either), CPU tensors, one thread: milliseconds per call, best of 7. Lengths: powers of two,
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


if __name__ == "__main__":
    main()
