"""The special functions (tg.special / torch.special) on 1M elements, and pdist / cdist, for
tapegrad or PyTorch (the same code runs on either), one CPU thread, float64 and float32:
milliseconds per call, each on inputs in the range where it is used. Prints "name value unit"
lines for side_by_side.py.
usage: bench_special.py [tapegrad|torch]"""
import importlib
import sys
import time

N = 1 << 20


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
    print(f"{name} {lib.__version__}, CPU tensors, 1 thread, {N} elements")
    gen = lib.Generator().manual_seed(0)
    for dtype_name in ("float64", "float32"):
        dtype = getattr(lib, dtype_name)
        u = lib.rand(N, generator=gen, dtype=dtype)
        inputs = {"wide": u * 40, "unit": u * 0.98 + 0.01, "normal": u * 16 - 8}
        cases = [("bessel_j0", "wide"), ("bessel_y1", "wide"), ("modified_bessel_k0", "wide"),
                 ("scaled_modified_bessel_k1", "wide"), ("spherical_bessel_j0", "wide"), ("erfcx", "normal"),
                 ("ndtr", "normal"), ("log_ndtr", "normal"), ("ndtri", "unit"), ("i0e", "wide"), ("i1e", "wide"),
                 ("airy_ai", "normal")]
        for fn_name, domain in cases:
            fn, x = getattr(lib.special, fn_name), inputs[domain]
            print(f"{fn_name}_{dtype_name} {best_of(lambda: fn(x)):.3f} ms")
        a, q = inputs["unit"] * 5 + 1.5, inputs["wide"] + 0.5
        print(f"zeta_{dtype_name} {best_of(lambda: lib.special.zeta(a, q)):.3f} ms")
        print(f"gammainc_{dtype_name} {best_of(lambda: lib.special.gammainc(a * 4, q)):.3f} ms")
        # The polynomials at degree 5 (recurrences) and 40 (torch: trigonometric forms inside [-1, 1]).
        x = inputs["unit"] * 2 - 1
        for poly in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "hermite_polynomial_h", "laguerre_polynomial_l",
                     "legendre_polynomial_p"):
            fn = getattr(lib.special, poly)
            for n in (5, 40):
                print(f"{poly}_n{n}_{dtype_name} {best_of(lambda: fn(x, n)):.3f} ms")
        x = inputs["normal"]
        print(f"polygamma1_{dtype_name} {best_of(lambda: lib.special.polygamma(1, x)):.3f} ms")
        # Pairwise distances (their own kernels): 500 points of 64 features, 2000 of 3.
        feats = lib.randn(500, 64, generator=gen, dtype=dtype)
        points = lib.randn(2000, 3, generator=gen, dtype=dtype)
        for p in (2.0, 1.0):
            print(f"pdist_p{p:g}_500x64_{dtype_name} {best_of(lambda: lib.pdist(feats, p)):.3f} ms")
            print(f"cdist_p{p:g}_20x2000x3_{dtype_name} {best_of(lambda: lib.cdist(points[:20], points, p)):.3f} ms")


if __name__ == "__main__":
    main()
