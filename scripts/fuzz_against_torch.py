#!/usr/bin/env python3
"""Differential fuzz against PyTorch: random ops on random inputs through tapegrad and torch,
printing every case where they disagree (values, dtypes, shapes, or one raising where the other
does not). Not a test: a tool to find bugs with, run by hand where torch is installed.

    PYTHONPATH=build/python python scripts/fuzz_against_torch.py values --seed 1 --cases 3000
    PYTHONPATH=build/python python scripts/fuzz_against_torch.py grads --seed 1 --cases 2000
    PYTHONPATH=build/python python scripts/fuzz_against_torch.py shapes --seed 1 --cases 3000
    ... --device cuda      (on the GPU machine: tapegrad's and torch's CUDA kernels)

values: elementwise, comparison and reduction ops on inputs of every dtype, with empty and
size-1 dims, broadcasting, transposed and strided layouts, NaN and infinities. grads: float64
forward values and gradients of ops and functional layers for a random output gradient.
shapes: shape, indexing, selection and search ops (cat, gather, scatter, index ops, roll, topk,
unique, searchsorted, ...) on inputs of every dtype, written once for both libraries.
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
          "copysign", "nextafter", "xlogy", "logaddexp", "heaviside", "true_divide"]
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

    def shapes(self):
        """One op of SHAPE_CASES, written once as f(lib, x, fuzz_state) for lib in (torch, tg)."""
        dtype = random.choice(DTYPES)
        shape = self.shape()
        if not shape:
            shape = (int(self.rng.randint(1, 5)),)
        t, g = self.pair(shape, dtype)
        shape = tuple(t.shape)  # the layout pair() chose may transpose or stride it
        name, make = random.choice(SHAPE_CASES)
        dim = _dim(self.rng, shape)
        extra = make(self, shape, dim)  # the index tensors and numbers of the case, for both
        if extra is None:
            return None
        textra, gextra = extra
        fn = SHAPE_FNS[name]
        return self.run(name, lambda: fn(torch, t, dim, *textra), lambda: fn(tg, g, dim, *gextra),
                        f"{dtype}{list(shape)} dim {dim}")

    def both(self, array, dtype="int64"):
        """An array as a torch and a tapegrad tensor (index tensors, masks)."""
        a = np.asarray(array)
        return (torch.tensor(a).to(getattr(torch, dtype)).to(self.device),
                tg.tensor(a).to(getattr(tg, dtype)).to(self.device))

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
       ("log_softmax", lambda rng, s: ([rng.randn(*s)], lambda x: x.log_softmax(0), lambda x: x.log_softmax(0))),
       ("logcumsumexp", lambda rng, s: ([rng.randn(*s)], lambda x: x.logcumsumexp(-1), lambda x: x.logcumsumexp(-1))),
       ("cummax", lambda rng, s: ([rng.randn(*s)], lambda x: x.cummax(0)[0], lambda x: x.cummax(0)[0])),
       ("sort", lambda rng, s: ([rng.randn(*s)], lambda x: x.sort(-1)[0], lambda x: x.sort(-1)[0])),
       ("topk", lambda rng, s: ([rng.randn(3, 6)], lambda x: x.topk(2, 1)[0], lambda x: x.topk(2, 1)[0])),
       ("median", lambda rng, s: ([rng.randn(3, 5)], lambda x: x.median(1)[0], lambda x: x.median(1)[0])),
       ("max dim", lambda rng, s: ([rng.randn(*s)], lambda x: x.max(0)[0], lambda x: x.max(0)[0])),
       ("gather", lambda rng, s: ([rng.randn(3, 4)],
                                  lambda x: x.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]], device=x.device)),
                                  lambda x: x.gather(1, tg.tensor([[0, 0], [3, 1], [2, 2]]).to(x.device)))),
       ("index_add", _layer(lambda x, v: x.index_add(0, torch.tensor([0, 2, 0], device=x.device), v, alpha=2),
                            lambda x, v: x.index_add(0, tg.tensor([0, 2, 0]).to(x.device), v, alpha=2), (3, 4), (3, 4))),
       ("roll", lambda rng, s: ([rng.randn(*s)], lambda x: x.roll(1, 0), lambda x: x.roll(1, 0))),
       ("repeat", lambda rng, s: ([rng.randn(*s)], lambda x: x.repeat(2, *([1] * x.dim())),
                                  lambda x: x.repeat(2, *([1] * x.dim())))),
       ("diagonal", lambda rng, s: ([rng.randn(4, 3)], lambda x: x.diagonal(-1), lambda x: x.diagonal(-1))),
       ("bmm broadcast", _layer(torch.matmul, tg.matmul, (2, 1, 3, 4), (3, 4, 2))),
       ("einsum", _layer(lambda a, b: torch.einsum("bij,jk->bik", a, b), lambda a, b: tg.einsum("bij,jk->bik", a, b),
                         (2, 3, 4), (4, 5))),
       ("cdist", _layer(torch.cdist, tg.cdist, (2, 3, 4), (2, 5, 4))),
       ("det", _layer(torch.linalg.det, tg.linalg.det, (2, 3, 3))),
       ("inv", _layer(torch.linalg.inv, tg.linalg.inv, (3, 3))),
       ("solve", _layer(torch.linalg.solve, tg.linalg.solve, (3, 3), (3, 2))),
       ("slogdet", _layer(lambda a: torch.linalg.slogdet(a)[1], lambda a: tg.linalg.slogdet(a)[1], (3, 3))),
       ("svdvals", _layer(torch.linalg.svdvals, tg.linalg.svdvals, (4, 3))),
       ("matrix_exp", _layer(torch.linalg.matrix_exp, tg.linalg.matrix_exp, (3, 3))),
       ("pinv", _layer(torch.linalg.pinv, tg.linalg.pinv, (4, 3))),
       ("lerp", _layer(torch.lerp, tg.lerp, (3, 4), (3, 4), (4,))),
       ("addcmul", _layer(lambda a, b, c: torch.addcmul(a, b, c, value=0.5),
                          lambda a, b, c: tg.addcmul(a, b, c, value=0.5), (3, 1), (1, 4), (3, 4))),
       ("clamp", lambda rng, s: ([rng.randn(*s)], lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7))),
       ("where", _layer(lambda a, b: torch.where(a > 0, a, b), lambda a, b: tg.where(a > 0, a, b), (3, 4), (4,))),
       ("batch_norm", _layer(lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
                             lambda x, w, b: GF.batch_norm(x, None, None, w, b, training=True), (4, 3, 2), (3,), (3,))),
       ("group_norm", _layer(lambda x, w, b: TF.group_norm(x, 2, w, b), lambda x, w, b: GF.group_norm(x, 2, w, b),
                             (2, 4, 3), (4,), (4,))),
       ("pad reflect", _layer(lambda x: TF.pad(x, (2, 1), mode="reflect"), lambda x: GF.pad(x, (2, 1), mode="reflect"),
                              (2, 3, 5))),
       ("unfold", _layer(lambda x: TF.unfold(x, 2, padding=1, stride=2), lambda x: GF.unfold(x, 2, padding=1, stride=2),
                         (1, 2, 4, 5))),
       ("avg_pool2d", _layer(lambda x: TF.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
                             lambda x: GF.avg_pool2d(x, 3, 2, 1, count_include_pad=False), (1, 2, 5, 6))),
       ("conv_transpose2d", _layer(lambda x, w: TF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                                   lambda x, w: GF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                                   (1, 4, 3, 3), (4, 2, 3, 3))),
       ("conv1d groups", _layer(lambda x, w: TF.conv1d(x, w, groups=2, dilation=2, padding=2),
                                lambda x, w: GF.conv1d(x, w, groups=2, dilation=2, padding=2), (2, 4, 7), (6, 2, 3))),
       ("grid_sample", lambda rng, s: ([rng.randn(1, 2, 4, 5), rng.rand(1, 3, 3, 2) * 2.2 - 1.1],
                                       lambda x, g: TF.grid_sample(x, g, align_corners=False),
                                       lambda x, g: GF.grid_sample(x, g, align_corners=False))),
       ("smooth_l1", _layer(lambda a, b: TF.smooth_l1_loss(a, b, beta=0.5), lambda a, b: GF.smooth_l1_loss(a, b, beta=0.5),
                            (3, 4), (3, 4))),
       ("huber sum", _layer(lambda a, b: TF.huber_loss(a, b, reduction="sum", delta=0.7),
                            lambda a, b: GF.huber_loss(a, b, reduction="sum", delta=0.7), (3, 4), (3, 4))),
       ("huber none", _layer(lambda a, b: TF.huber_loss(a, b, reduction="none", delta=0.7),
                             lambda a, b: GF.huber_loss(a, b, reduction="none", delta=0.7), (3, 4), (3, 4))),
       ("softshrink", _layer(lambda x: TF.softshrink(x, 0.4), lambda x: GF.softshrink(x, 0.4), (3, 5))),
       ("hardshrink", _layer(lambda x: TF.hardshrink(x, 0.4), lambda x: GF.hardshrink(x, 0.4), (3, 5))),
       ("threshold", _layer(lambda x: TF.threshold(x, 0.1, -2.0), lambda x: GF.threshold(x, 0.1, -2.0), (3, 5))),
       ("smooth_l1 none", _layer(lambda a, b: TF.smooth_l1_loss(a, b, reduction="none", beta=1.5),
                                 lambda a, b: GF.smooth_l1_loss(a, b, reduction="none", beta=1.5), (3, 4), (3, 4))),
       ("prelu one", _layer(lambda x, w: TF.prelu(x, w), lambda x, w: GF.prelu(x, w), (2, 3, 4), (1,))),
       ("prelu channels", _layer(lambda x, w: TF.prelu(x, w), lambda x, w: GF.prelu(x, w), (2, 3, 4), (3,))),
       ("kl_div", _layer(lambda a, b: TF.kl_div(a, b.softmax(-1), reduction="batchmean"),
                         lambda a, b: GF.kl_div(a, b.softmax(-1), reduction="batchmean"), (3, 4), (3, 4))),
       ("bce_with_logits", _layer(lambda a, b: TF.binary_cross_entropy_with_logits(a, b.sigmoid()),
                                  lambda a, b: GF.binary_cross_entropy_with_logits(a, b.sigmoid()), (3, 4), (3, 4))),
       ("cross_entropy", lambda rng, s: ([rng.randn(4, 5)],
                                         lambda x: TF.cross_entropy(x, torch.tensor([1, 0, 4, 2], device=x.device),
                                                                    label_smoothing=0.1),
                                         lambda x: GF.cross_entropy(x, tg.tensor([1, 0, 4, 2]).to(x.device),
                                                                    label_smoothing=0.1)))]
)


def _index_along(fuzz, shape, dim, size=None):
    """An int64 index of the input's shape except `size` along dim, valid for the input."""
    n = shape[dim]
    if n == 0:
        return None
    ishape = list(shape)
    ishape[dim] = size if size is not None else int(fuzz.rng.randint(0, n + 2))
    t, g = fuzz.both(fuzz.rng.randint(0, n, size=ishape))
    return [t], [g]


def _one_of(fuzz, shape, dim):
    n = shape[dim]
    if n == 0:
        return None
    t, g = fuzz.both(fuzz.rng.randint(-n, n, size=int(fuzz.rng.randint(0, 5))))
    return [t], [g]


def _mask(fuzz, shape, dim):
    t, g = fuzz.both(fuzz.rng.rand(*shape) < 0.5, "bool")
    return [t], [g]


SHAPE_FNS = {
    "cat": lambda L, x, d: L.cat([x, x.flip(d)], d),
    "stack": lambda L, x, d: L.stack([x, x], d),
    "roll": lambda L, x, d, k: L.roll(x, k, d),
    "repeat_interleave": lambda L, x, d, k: L.repeat_interleave(x, k, d),
    "narrow": lambda L, x, d, k: x.narrow(d, 0, min(k, x.shape[d])),
    "chunk": lambda L, x, d, k: tuple(L.chunk(x, k, d)),
    "split": lambda L, x, d, k: tuple(L.split(x, k, d)),
    "movedim": lambda L, x, d: L.movedim(x, d, 0),
    "diagonal": lambda L, x, d, k: L.diagonal(x, k, 0, -1) if x.dim() >= 2 else x,
    "triu": lambda L, x, d, k: L.triu(x, k) if x.dim() >= 2 else x,
    "flatten": lambda L, x, d: L.flatten(x, min(d % x.dim(), x.dim() - 1)),
    "diff": lambda L, x, d: L.diff(x, 1, d),
    "gather": lambda L, x, d, i: L.gather(x, d, i),
    "take_along_dim": lambda L, x, d, i: L.take_along_dim(x, i, d),
    "index_select": lambda L, x, d, i: L.index_select(x, d, i),
    "index_fill": lambda L, x, d, i: x.index_fill(d, i, 1),
    "scatter": lambda L, x, d, i: x.scatter(d, i, x.narrow(d, 0, i.shape[d]) if i.shape[d] <= x.shape[d] else x),
    "scatter_add": lambda L, x, d, i: x.scatter_add(d, i, x.narrow(d, 0, i.shape[d])),
    "masked_fill": lambda L, x, d, m: x.masked_fill(m, 2),
    "masked_select": lambda L, x, d, m: L.masked_select(x, m),
    "where": lambda L, x, d, m: L.where(m, x, x.flip(d)),
    "nonzero": lambda L, x, d: L.nonzero(x),
    "topk": lambda L, x, d, k: tuple(L.topk(x, min(k, x.shape[d]), d)[0:1]),
    "kthvalue": lambda L, x, d, k: L.kthvalue(x, min(k, x.shape[d]) or 1, d)[0],
    "median": lambda L, x, d: L.median(x, d)[0],
    "cummax": lambda L, x, d: tuple(L.cummax(x, d)),
    "argsort": lambda L, x, d: L.argsort(x, d, stable=True),
    "unique": lambda L, x, d: tuple(L.unique(x, sorted=True, return_inverse=True, return_counts=True)),
    "unique_consecutive": lambda L, x, d: tuple(L.unique_consecutive(x, return_counts=True, dim=d)),
    "searchsorted": lambda L, x, d, s, q, right: L.searchsorted(s, q, right=bool(right)),
    "bucketize": lambda L, x, d, s, q, right: L.bucketize(q, s[(0,) * (s.dim() - 1)], right=bool(right)),
    "clamp": lambda L, x, d, lo, hi: L.clamp(x, lo, hi),
    "count_nonzero": lambda L, x, d: L.count_nonzero(x),
    "trace": lambda L, x, d: L.trace(x) if x.dim() == 2 else x,
    "outer": lambda L, x, d: L.outer(x.flatten(), x.flatten()),
    "bincount": lambda L, x, d: L.bincount(x.flatten()),
    "histc": lambda L, x, d: L.histc(x, 5, -3, 3),
}


def _k(fuzz, shape, dim):
    k = int(fuzz.rng.randint(1, 4))
    return [k], [k]


def _clamp_bounds(fuzz, shape, dim):
    lo, hi = sorted(fuzz.rng.randint(-5, 10, size=2).tolist())
    return [lo, hi], [lo, hi]


def _search(fuzz, shape, dim):
    srt = np.sort(fuzz.rng.randint(-10, 20, size=shape), axis=-1)
    q = fuzz.rng.randint(-12, 22, size=shape[:-1] + (int(fuzz.rng.randint(0, 4)),))
    right = bool(fuzz.rng.rand() < 0.5)
    (ts, gs), (tq, gq) = fuzz.both(srt), fuzz.both(q)
    return [ts, tq, right], [gs, gq, right]


_NO_ARGS = ("cat", "stack", "movedim", "flatten", "diff", "nonzero", "median", "cummax", "argsort", "unique",
            "unique_consecutive", "count_nonzero", "trace", "outer", "bincount", "histc")
SHAPE_CASES = [(name, lambda fuzz, s, d: ([], [])) for name in _NO_ARGS] + [
    ("roll", _k), ("repeat_interleave", _k), ("narrow", _k), ("chunk", _k), ("split", _k), ("diagonal", _k),
    ("triu", _k), ("topk", _k), ("kthvalue", _k),
    ("gather", _index_along), ("take_along_dim", _index_along), ("scatter", lambda f, s, d: _index_along(f, s, d, 1)),
    ("scatter_add", lambda f, s, d: _index_along(f, s, d, min(s[d], 2) if s[d] else 1)),
    ("index_select", _one_of), ("index_fill", _one_of),
    ("masked_fill", _mask), ("masked_select", _mask), ("where", _mask),
    ("searchsorted", _search), ("bucketize", _search), ("clamp", _clamp_bounds)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["values", "grads", "shapes"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    fuzz = Fuzz(args.seed, args.device)
    for _ in range(args.cases):
        getattr(fuzz, args.mode)()
    for name, cases in sorted(fuzz.failures.items()):
        print(f"{name}: {len(cases)} disagreement(s), e.g. " + "; ".join(cases[:3]))
    print(f"{fuzz.checks} checks, {sum(len(c) for c in fuzz.failures.values())} disagreements")
    return 1 if fuzz.failures else 0


if __name__ == "__main__":
    sys.exit(main())
