"""Random draws of 2^20 elements on the CPU for tapegrad or PyTorch (the same code runs on either),
one thread: the factories, the in-place fills, and dropout in training, float32 unless named.
Milliseconds per call, best of 7. Prints "name value unit" lines for side_by_side.py.
usage: bench_random.py [tapegrad|torch]"""
import importlib
import sys

from bench_special import best_of  # milliseconds, best of 7 after a warm-up call

N = 1 << 20


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "tapegrad"
    lib = importlib.import_module(name)
    lib.set_num_threads(1)
    print(f"{name} {lib.__version__}, CPU tensors, 1 thread, {N} elements")
    lib.manual_seed(0)
    x, x64, xb = lib.empty(N), lib.empty(N, dtype=lib.float64), lib.empty(N, dtype=lib.bfloat16)
    cases = {
        "rand": lambda: lib.rand(N),
        "randn": lambda: lib.randn(N),
        "randn_float64": lambda: lib.randn(N, dtype=lib.float64),
        "randn_bfloat16": lambda: lib.randn(N, dtype=lib.bfloat16),
        "randint_0_1000": lambda: lib.randint(0, 1000, (N,)),
        "uniform_": lambda: x.uniform_(-1, 1),
        "normal_": lambda: x.normal_(),
        "normal_float64": lambda: x64.normal_(),
        "normal_bfloat16": lambda: xb.normal_(),
        "exponential_": lambda: x.exponential_(),
        "bernoulli_0.3": lambda: x.bernoulli_(0.3),
        "dropout_0.5": lambda: lib.nn.functional.dropout(x, 0.5, True),
    }
    for key, fn in cases.items():
        print(f"{key} {best_of(fn):.3f} ms")


if __name__ == "__main__":
    main()
