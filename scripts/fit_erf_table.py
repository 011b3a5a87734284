#!/usr/bin/env python3
"""Fits the coefficient table of the float32 erf (kernels/cpu/erf_table.h) and prints it.

erf on [0, 4) in 8 pieces of width 1/2, each a degree-7 polynomial in |x| - centre fitted by
least squares (relative error) on Chebyshev nodes against mpmath's erf. The first piece is
centred on 0 with no constant term, so that erf keeps its relative accuracy near 0, and its
linear term is t + (c1 - 1) t: the kernels add t exactly in the last fused multiply-add, which
halves the rounding error where erf nears 0.5 (2.4 ulp without it, 1.1 with). The table is then
checked the way the kernels evaluate it (float32 Horner with fused multiply-adds) against the
correctly rounded erf, and the largest error in ulps printed. Needs numpy and mpmath.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
WIDTH, PIECES, DEGREE = 0.5, 8, 7


def erf(t):
    return float(mp.erf(t))


def fit():
    table = []
    for i in range(PIECES):
        lo, hi = i * WIDTH, (i + 1) * WIDTH
        centre = 0.0 if i == 0 else lo + WIDTH / 2
        k = np.arange(400)
        t = lo + (hi - lo) * (0.5 - 0.5 * np.cos(np.pi * (k + 0.5) / 400))
        u = t - centre
        y = np.array([erf(v) for v in t])
        if i == 0:  # erf(t) = t * (b_0 + b_1 t + ...): no constant term
            b, *_ = np.linalg.lstsq(np.vander(u, DEGREE, increasing=True), y / t, rcond=None)
            b[0] -= 1.0  # t itself is added exactly
            coef = np.concatenate([[0.0], b])
        else:
            a = np.vander(u, DEGREE + 1, increasing=True) / np.abs(y)[:, None]
            coef, *_ = np.linalg.lstsq(a, y / np.abs(y), rcond=None)
        table.append((centre, coef.astype(np.float32)))
    return table


def evaluate(table, x):
    x = np.asarray(x, np.float32)
    t = np.minimum(np.float32(4), np.abs(x))
    piece = np.minimum((t * np.float32(1 / WIDTH)).astype(np.int32), PIECES - 1)
    out = np.empty_like(t)
    for i, (centre, coef) in enumerate(table):
        m = piece == i
        u = (t[m] - np.float32(centre)).astype(np.float32)
        r = np.full(u.shape, coef[DEGREE], np.float32)
        for k in range(DEGREE - 1, 0, -1):  # a fused multiply-add: one rounding
            r = (r.astype(np.float64) * u + np.float64(coef[k])).astype(np.float32)
        c0 = t[m].astype(np.float64) if i == 0 else np.float64(coef[0])
        out[m] = (r.astype(np.float64) * u + c0).astype(np.float32)
    return np.copysign(out, x)


def main():
    table = fit()
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.uniform(-4.5, 4.5, 20000), np.geomspace(1e-30, 1, 2000), np.linspace(0.4, 0.6, 3000),
                         np.linspace(3.5, 4.2, 3000)]).astype(np.float32)
    ref = np.array([erf(float(v)) for v in xs])
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    err = np.abs(evaluate(table, xs) - ref) / ulp
    print(f"// largest error {err.max():.2f} ulp (at {xs[err.argmax()]:.9g}), mean {err.mean():.2f}")

    def literal(v):
        s = f"{float(v):.9g}"
        return (s if any(c in s for c in ".e") else s + ".0") + "f"

    print(f"alignas(32) inline constexpr float kErfCoef[{DEGREE + 1}][{PIECES}] = {{")
    for k in range(DEGREE + 1):
        print("    {" + ", ".join(literal(coef[k]) for _, coef in table) + "},")
    print("};")
    print(f"alignas(32) inline constexpr float kErfCentre[{PIECES}] = {{" +
          ", ".join(literal(c) for c, _ in table) + "};")


if __name__ == "__main__":
    main()
