#!/usr/bin/env python3
"""Fits the Chebyshev series of the Bessel functions J_0, J_1, Y_0, Y_1, K_0 and K_1
(kernels/scalar_math.h: bessel_k_*, bessel_j_small, bessel_y_small_rest, bessel_p, bessel_q) and
prints them as the C++ argument lists of scalar_math.h's chebyshev(t, c0, highest, ..., c1).

Each function is interpolated at 80 Chebyshev nodes with mpmath at 40 digits; its coefficients are
cut where they fall below 1e-18 of the function's size for double, 2e-9 for float. Then each
series is checked in double against mpmath at 2000 points of its interval, and the largest
error printed (relative, or relative to the series' size c0 / 2 where the value is smaller: the
K_0 and K_1 remainders below 2 pass through 0). Needs mpmath.

  K, x <= 2, s = x^2 / 2 - 1:   I_0(x),  K_0(x) + log(x/2) I_0(x),
                                I_1(x)/x,  (K_1(x) - 1/x - log(x/2) I_1(x)) / x
  K, x > 2,  t = 4 / x - 1:     sqrt(x) e^x K_0(x),  sqrt(x) e^x K_1(x)
  J and Y, x <= 2, s = x^2 / 2 - 1:  J_0(x),  Y_0(x) - 2/pi log(x/2) J_0(x),
                                J_1(x)/x,  (Y_1(x) + 2/(pi x) - 2/pi log(x/2) J_1(x)) / x
  J and Y, 2 < x <= 8, t = (x - 5) / 3:  f(x) / ((x - z_1)(x - z_2)) for f = J_0, J_1, Y_0, Y_1
      and z_1, z_2 its two zeros there (printed as double pairs hi + lo), so that f keeps its
      relative accuracy near them
  J and Y, x > 8, t = 2 (8/x)^2 - 1: P_n(x), Q_n(x) x / 8 (n = 0, 1), where
      J_n = sqrt(2 / (pi x)) (P_n cos c - Q_n sin c), Y_n = sqrt(2 / (pi x)) (P_n sin c + Q_n cos c),
      c = x - (2n + 1) pi / 4
"""
import mpmath as mp

mp.mp.dps = 40
NODES = 80


def coefficients(f):
    """c_0 .. c_{NODES-1} of f(t) = c_0 / 2 + sum c_k T_k(t) on [-1, 1]."""
    angles = [mp.pi * (j + mp.mpf(1) / 2) / NODES for j in range(NODES)]
    values = [f(mp.cos(a)) for a in angles]
    return [2 * mp.fsum(v * mp.cos(k * a) for v, a in zip(values, angles)) / NODES for k in range(NODES)]


def clenshaw(t, cs):
    b1 = b2 = 0.0
    for c in reversed(cs[1:]):
        b1, b2 = 2 * t * b1 - b2 + c, b1
    return t * b1 - b2 + 0.5 * cs[0]


def pq(n, x):
    c = x - (2 * n + 1) * mp.pi / 4
    j, y, scale = mp.besselj(n, x), mp.bessely(n, x), mp.sqrt(mp.pi * x / 2)
    return scale * (j * mp.cos(c) + y * mp.sin(c)), scale * (y * mp.cos(c) - j * mp.sin(c))


def k_small(t):
    x = mp.sqrt(2 * (t + 1))
    return x if x > 0 else mp.mpf("1e-30")


def k_large_x(t):
    return 4 / (t + 1) if t > -1 else mp.inf


def pq_x(t):
    return 8 / mp.sqrt((t + 1) / 2) if t > -1 else mp.inf


def mid_zeros(name):
    n = int(name[1])
    if name[0] == "j":
        return [mp.besseljzero(n, 1), mp.besseljzero(n, 2)]
    return [mp.besselyzero(n, 2), mp.besselyzero(n, 3)] if n == 0 else [mp.besselyzero(n, 1), mp.besselyzero(n, 2)]


def mid(name):
    f = {"j": mp.besselj, "y": mp.bessely}[name[0]]
    z1, z2 = mid_zeros(name)
    return lambda t: (lambda x: f(int(name[1]), x) / ((x - z1) * (x - z2)))(5 + 3 * t)


SERIES = [
    ("i0_small", lambda t: mp.besseli(0, k_small(t))),
    ("k0_small", lambda t: (lambda x: mp.besselk(0, x) + mp.log(x / 2) * mp.besseli(0, x))(k_small(t))),
    ("i1_small", lambda t: (lambda x: mp.besseli(1, x) / x)(k_small(t))),
    ("k1_small",
     lambda t: (lambda x: (mp.besselk(1, x) - 1 / x - mp.log(x / 2) * mp.besseli(1, x)) / x)(k_small(t))),
    ("k0_large", lambda t: (lambda x: mp.sqrt(x) * mp.exp(x) * mp.besselk(0, x))(k_large_x(t))),
    ("k1_large", lambda t: (lambda x: mp.sqrt(x) * mp.exp(x) * mp.besselk(1, x))(k_large_x(t))),
    ("j0_small", lambda t: mp.besselj(0, k_small(t))),
    ("y0_small", lambda t: (lambda x: mp.bessely(0, x) - 2 / mp.pi * mp.log(x / 2) * mp.besselj(0, x))(k_small(t))),
    ("j1_small", lambda t: (lambda x: mp.besselj(1, x) / x)(k_small(t))),
    ("y1_small", lambda t: (lambda x: (mp.bessely(1, x) + 2 / (mp.pi * x) - 2 / mp.pi * mp.log(x / 2) *
                                       mp.besselj(1, x)) / x)(k_small(t))),
    ("j0_mid", mid("j0")),
    ("j1_mid", mid("j1")),
    ("y0_mid", mid("y0")),
    ("y1_mid", mid("y1")),
    ("p0", lambda t: pq(0, pq_x(t))[0]),
    ("q0", lambda t: (lambda x: pq(0, x)[1] * x / 8)(pq_x(t))),
    ("p1", lambda t: pq(1, pq_x(t))[0]),
    ("q1", lambda t: (lambda x: pq(1, x)[1] * x / 8)(pq_x(t))),
]
# At x = inf (t = -1) the series' limits: sqrt(pi / 2) for the K, 1 for P, and for Q x / 8 the
# first Hankel term, (4 n^2 - 1) / 64.
LIMITS = {"k0_large": mp.sqrt(mp.pi / 2), "k1_large": mp.sqrt(mp.pi / 2), "p0": 1, "p1": 1,
          "q0": mp.mpf(-1) / 64, "q1": mp.mpf(3) / 64}


def main():
    for name in ("j0", "j1", "y0", "y1"):
        pairs = []
        for z in mid_zeros(name):
            hi = float(z)
            pairs += [hi, float(z - hi)]
        print(f"// zeros of {name} in (2, 8] as hi, lo: " + ", ".join(f"{v:.17g}" for v in pairs))
    for name, f in SERIES:
        g = (lambda f, name: lambda t: LIMITS[name] if t == -1 and name in LIMITS else f(t))(f, name)
        cs = coefficients(g)
        scale = abs(cs[0]) / 2
        for label, cut in (("double", 1e-18), ("float", 2e-9)):
            keep = max(k for k in range(NODES) if abs(cs[k]) >= cut * scale) + 1
            kept = [float(c) for c in cs[:keep]]
            worst = 0.0
            for i in range(2000):
                t = -1 + 2 * (i + 0.5) / 2000
                exact = g(mp.mpf(t))
                worst = max(worst, abs(float((clenshaw(t, kept) - exact) / max(abs(exact), scale))))
            literal = "f" if label == "float" else ""
            args = [kept[0]] + kept[:0:-1]
            text = ", ".join(f"{c:.17g}{literal}" if label == "double" else f"{c:.9g}{literal}" for c in args)
            print(f"// {name} ({label}): {keep} terms, largest error {worst:.2g} (relative, or of c0 / 2 below it)")
            print(f"chebyshev(t, {text})")


if __name__ == "__main__":
    main()
