#!/usr/bin/env python3
"""Differential fuzz against PyTorch: random ops on random inputs through tapegrad and torch,
printing every case where they disagree (values, dtypes, shapes, or one raising where the other
does not). Not a test: a tool to find bugs with, run by hand where torch is installed.

    PYTHONPATH=build/python python scripts/fuzz_against_torch.py values --seed 1 --cases 3000
    PYTHONPATH=build/python python scripts/fuzz_against_torch.py grads --seed 1 --cases 2000
    ... --device cuda      (on the GPU machine: tapegrad's and torch's CUDA kernels)

values: elementwise, comparison and reduction ops on inputs of every dtype, with empty and
size-1 dims, broadcasting, transposed and strided layouts, NaN and infinities. grads: float64
forward values and gradients of ops and functional layers for a random output gradient.
Where torch raises, the case is skipped (tapegrad may be more lenient: it promotes).
"""
import argparse
import random
import sys
import warnings

import numpy as np
import torch

import tapegrad as tg

warnings.filterwarnings("ignore")
TF, GF = torch.nn.functional, tg.nn.functional
DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool"]
UNARY = ["abs", "neg", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "floor", "ceil", "round", "trunc", "sign",
         "reciprocal", "square", "expm1", "log1p", "erf", "isnan", "isinf", "isfinite", "logical_not", "bitwise_not",
         "frac", "rsqrt", "atan", "asinh", "signbit", "nan_to_num", "exp2", "log2", "sinc", "deg2rad"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "lt", "ge", "ne", "logical_and", "logical_xor",
          "bitwise_and", "bitwise_or", "fmod", "remainder", "pow", "atan2", "hypot", "fmax", "fmin", "floor_divide",
          "copysign", "xlogy", "logaddexp", "heaviside", "true_divide"]
REDUCTIONS = ["sum", "mean", "prod", "amax", "amin", "nansum", "nanmean", "logsumexp", "std", "var", "count_nonzero",
              "argmax", "argmin", "all", "any", "cumsum", "cumprod", "softmax", "log_softmax", "sort", "flip", "tril"]


class Fuzz:
    def __init__(self, seed, device):
        self.rng = np.random.RandomState(seed)
        random.seed(seed)
        self.device = device
        self.failures = {}
        self.checks = 0

    def shape(self, max_dims=3):
        return tuple(int(self.rng.choice([0, 1, 2, 3, 5])) if self.rng.rand() < 0.15 else int(self.rng.randint(1, 6))
                     for _ in range(self.rng.randint(0, max_dims + 1)))

    def pair(self, shape, dtype):
        """The same values as a torch and a tapegrad tensor, sometimes transposed or strided."""
        if dtype in ("float32", "float64", "float16", "bfloat16"):
            a = np.asarray(self.rng.randn(*shape) * 3)
            if a.size and self.rng.rand() < 0.1:
                a.flat[self.rng.randint(a.size)] = self.rng.choice([np.nan, np.inf, -np.inf, -0.0])
        elif dtype == "bool":
            a = np.asarray(self.rng.rand(*shape) < 0.5)
        else:
            a = np.asarray(self.rng.randint(0 if dtype == "uint8" else -10, 20, size=shape))
        t = torch.tensor(a).to(getattr(torch, dtype)).to(self.device)
        g = tg.tensor(a).to(getattr(tg, dtype)).to(self.device)
        if len(shape) >= 2 and self.rng.rand() < 0.3:
            t, g = t.transpose(0, -1), g.transpose(0, -1)
        elif shape and shape[0] >= 3 and self.rng.rand() < 0.3:
            t, g = t[::2], g[::2]
        return t, g

    def record(self, name, what):
        self.failures.setdefault(name, []).append(what)

    def compare(self, name, got, expected, case, rtol=None):
        if isinstance(expected, (tuple, list)):
            for k, (a, b) in enumerate(zip(got, expected)):
                self.compare(f"{name}[{k}]", a, b, case, rtol)
            return
        e = expected.detach().cpu()
        e = (e.float() if e.dtype == torch.bfloat16 else e).numpy()
        a = got.detach().cpu()
        a = np.asarray(a.float() if a.dtype == tg.bfloat16 else a)
        if a.shape != e.shape or a.dtype.kind != e.dtype.kind:
            return self.record(name, f"{case}: {a.dtype}{list(a.shape)} vs torch's {e.dtype}{list(e.shape)}")
        dtype = str(expected.dtype).replace("torch.", "")
        tol = rtol or {"float16": 2e-3, "bfloat16": 2e-2, "float32": 2e-5}.get(dtype, 1e-9)
        same = (np.allclose(a.astype(np.float64), e.astype(np.float64), rtol=tol, atol=tol, equal_nan=True)
                if e.dtype.kind in "fc" else np.array_equal(a, e))
        if not same:
            self.record(name, f"{case}: values differ")

    def run(self, name, torch_fn, tg_fn, case, rtol=None):
        self.checks += 1
        try:
            expected = torch_fn()
        except Exception:  # torch refuses: nothing to compare
            return None
        try:
            got = tg_fn()
        except Exception as e:
            return self.record(name, f"{case}: tapegrad raises {type(e).__name__}: {str(e)[:120]}")
        self.compare(name, got, expected, case, rtol)
        return got, expected

    def values(self):
        dtype = random.choice(DTYPES)
        shape = self.shape()
        t, g = self.pair(shape, dtype)
        op = random.choice(UNARY + BINARY + REDUCTIONS)
        if op in UNARY:
            return self.run(op, lambda: getattr(torch, op)(t), lambda: getattr(tg, op)(g), f"{dtype}{list(shape)}")
        if op in BINARY:
            other = tuple(1 if self.rng.rand() < 0.3 else n for n in shape)[int(self.rng.rand() < 0.2):]
            dtype2 = dtype if self.rng.rand() < 0.7 else random.choice(DTYPES)
            t2, g2 = self.pair(other, dtype2)
            self.run(op, lambda: getattr(torch, op)(t, t2), lambda: getattr(tg, op)(g, g2),
                     f"{dtype}{list(shape)} and {dtype2}{list(other)}")
            number = random.choice([2, -1.5, 0, True, 3.0])
            return self.run(op + " (number)", lambda: getattr(torch, op)(t, number), lambda: getattr(tg, op)(g, number),
                            f"{dtype}{list(shape)} and {number!r}")
        if not shape:
            return None
        dim = int(self.rng.randint(-len(shape), len(shape)))
        case = f"{dtype}{list(shape)} dim {dim}"
        if op in ("cumsum", "cumprod", "softmax", "log_softmax"):
            return self.run(op, lambda: getattr(torch, op)(t, dim), lambda: getattr(tg, op)(g, dim), case)
        if op == "sort":
            return self.run(op, lambda: tuple(torch.sort(t, dim, stable=True)), lambda: tuple(tg.sort(g, dim, stable=True)),
                            case)
        if op == "flip":
            return self.run(op, lambda: t.flip(dim), lambda: g.flip(dim), case)
        if op == "tril":
            return self.run(op, lambda: t.tril(dim), lambda: g.tril(dim), case)
        if op in ("argmax", "argmin", "all", "any", "count_nonzero"):
            return self.run(op, lambda: getattr(torch, op)(t, dim), lambda: getattr(tg, op)(g, dim), case)
        keepdim = bool(self.rng.rand() < 0.5)
        return self.run(op, lambda: getattr(torch, op)(t, dim, keepdim=keepdim),
                        lambda: getattr(tg, op)(g, dim, keepdim=keepdim), f"{case} keepdim {keepdim}")

    def grads(self):
        """One op of GRAD_CASES on float64 leaves: forward values and every input's gradient."""
        name, make = random.choice(GRAD_CASES)
        dims = int(self.rng.randint(1, 4))
        shape = tuple(int(self.rng.randint(1, 5)) for _ in range(dims))
        arrays, torch_fn, tg_fn = make(self.rng, shape)
        t_in = [torch.tensor(a, device=self.device, requires_grad=True) for a in arrays]
        g_in = [tg.tensor(a).to(self.device).requires_grad_() for a in arrays]
        result = self.run(name, lambda: torch_fn(*t_in), lambda: tg_fn(*g_in), f"shapes {[list(a.shape) for a in arrays]}",
                          1e-7)
        if result is None or not result[1].requires_grad:
            return
        got, expected = result
        seed = self.rng.randn(*expected.shape)
        t_grads = torch.autograd.grad(expected, t_in, torch.tensor(seed, device=self.device), allow_unused=True)
        try:
            g_grads = tg.autograd.grad(got, g_in, tg.tensor(seed).to(self.device), allow_unused=True)
        except Exception as e:
            return self.record(name, f"backward raises {type(e).__name__}: {str(e)[:120]}")
        for k, (a, b) in enumerate(zip(g_grads, t_grads)):
            a = tg.zeros_like(g_in[k]) if a is None else a
            b = torch.zeros_like(t_in[k]) if b is None else b
            self.compare(f"{name} gradient {k}", a, b, f"shapes {[list(x.shape) for x in arrays]}", 1e-6)


def _dim(rng, shape):
    return int(rng.randint(-len(shape), len(shape)))


def _unary(op):
    return lambda rng, s: ([rng.randn(*s)], getattr(torch, op), getattr(tg, op))


def _reduction(op):
    def make(rng, s):
        d, k = _dim(rng, s), bool(rng.rand() < 0.5)
        return [rng.randn(*s)], lambda x: getattr(torch, op)(x, d, keepdim=k), lambda x: getattr(tg, op)(x, d, keepdim=k)
    return make


def _broadcast(op):
    def make(rng, s):
        other = tuple(1 if rng.rand() < 0.4 else n for n in s)
        a = np.abs(rng.randn(*s)) + 0.5 if op in ("pow", "xlogy") else rng.randn(*s)
        return [a, rng.randn(*other)], getattr(torch, op), getattr(tg, op)
    return make


def _layer(torch_fn, tg_fn, *shapes):
    return lambda rng, s: ([rng.randn(*shape) for shape in shapes], torch_fn, tg_fn)


GRAD_CASES = (
    [(op, _unary(op)) for op in ("exp", "tanh", "sigmoid", "sin", "abs", "erf", "atan", "asinh")]
    + [(op, _reduction(op)) for op in ("sum", "mean", "prod", "amax", "logsumexp", "std", "var", "nansum")]
    + [(op, _broadcast(op)) for op in ("add", "mul", "div", "pow", "maximum", "atan2", "hypot", "xlogy", "fmod")]
    + [("softmax", lambda rng, s: ([rng.randn(*s)], lambda x: x.softmax(-1), lambda x: x.softmax(-1))),
       ("cumprod", lambda rng, s: ([rng.randn(*s)], lambda x: x.cumprod(0), lambda x: x.cumprod(0))),
       ("norm", lambda rng, s: ([rng.randn(*s)], lambda x: x.norm(), lambda x: x.norm())),
       ("tril", lambda rng, s: ([rng.randn(3, 4)], lambda x: x.tril(1), lambda x: x.tril(1))),
       ("gelu", _layer(TF.gelu, GF.gelu, (4, 7))),
       ("layer_norm", _layer(lambda x, w: TF.layer_norm(x, (5,), w), lambda x, w: GF.layer_norm(x, (5,), w), (3, 5), (5,))),
       ("conv2d", _layer(lambda x, w: TF.conv2d(x, w, padding=1, stride=2), lambda x, w: GF.conv2d(x, w, padding=1, stride=2),
                         (2, 3, 6, 5), (4, 3, 3, 3))),
       ("max_pool2d", _layer(lambda x: TF.max_pool2d(x, 2, ceil_mode=True), lambda x: GF.max_pool2d(x, 2, ceil_mode=True),
                             (1, 2, 5, 5))),
       ("interpolate", _layer(lambda x: TF.interpolate(x, size=(7, 3), mode="bicubic"),
                              lambda x: GF.interpolate(x, size=(7, 3), mode="bicubic"), (1, 2, 4, 5))),
       ("sdpa", _layer(lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
                       lambda q, k, v: GF.scaled_dot_product_attention(q, k, v, is_causal=True),
                       (2, 2, 3, 4), (2, 2, 3, 4), (2, 2, 3, 4))),
       ("cross_entropy", lambda rng, s: ([rng.randn(4, 5)],
                                         lambda x: TF.cross_entropy(x, torch.tensor([1, 0, 4, 2], device=x.device),
                                                                    label_smoothing=0.1),
                                         lambda x: GF.cross_entropy(x, tg.tensor([1, 0, 4, 2]).to(x.device),
                                                                    label_smoothing=0.1)))]
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["values", "grads"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    fuzz = Fuzz(args.seed, args.device)
    for _ in range(args.cases):
        fuzz.values() if args.mode == "values" else fuzz.grads()
    for name, cases in sorted(fuzz.failures.items()):
        print(f"{name}: {len(cases)} disagreement(s), e.g. " + "; ".join(cases[:3]))
    print(f"{fuzz.checks} checks, {sum(len(c) for c in fuzz.failures.values())} disagreements")
    return 1 if fuzz.failures else 0


if __name__ == "__main__":
    sys.exit(main())
