"""A vocabulary head's loss, linear_cross_entropy (N=4096 rows of 256 features, C=32000 classes,
float32, forward + backward), for tapegrad or PyTorch (the same code runs on either): the
reference path (the whole (N, C) logits) and the chunked one (options=LinearCrossEntropyOptions),
milliseconds and the peak resident memory the first step adds to the process (each path in a
process of its own, so that neither reuses the other's freed memory). Prints "name value unit"
lines for side_by_side.py.
usage: bench_vocab_head.py [tapegrad|torch]  (runs itself once per path)"""
import importlib
import subprocess
import sys
import time

N, IN, C = 4096, 256, 32000


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:  # resets VmHWM to the current resident size
        f.write("5")


def rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def run(name, label):
    lib = importlib.import_module(name)
    gen = lib.Generator().manual_seed(0)
    x = lib.randn(N, IN, generator=gen).requires_grad_()
    w = (lib.randn(C, IN, generator=gen) * 0.05).requires_grad_()
    target = lib.randint(0, C, (N,), generator=gen)
    options = None if label == "reference" else lib.nn.LinearCrossEntropyOptions(batch_chunk_size=512)

    def step():
        lib.nn.functional.linear_cross_entropy(x, w, target, options=options).backward()
        x.grad = None
        w.grad = None

    reset_peak()
    base = rss_kib("VmRSS")
    step()
    added = max(0, rss_kib("VmHWM") - base)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    print(f"linear_cross_entropy_{label} {best * 1e3:.1f} ms")
    print(f"linear_cross_entropy_{label}_peak {added / 1024:.0f} MiB")


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "tapegrad"
    if len(sys.argv) > 2:
        return run(name, sys.argv[2])
    lib = importlib.import_module(name)
    print(f"{name} {lib.__version__}, CPU, {lib.get_num_threads()} threads, N={N} in={IN} C={C} float32")
    sys.stdout.flush()
    for label in ("reference", "chunked"):
        subprocess.run([sys.executable, __file__, name, label], check=True)


if __name__ == "__main__":
    main()
