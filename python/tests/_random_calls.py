"""Random calls with odd arguments, for test_random_calls.py: every public function of tg and its
namespaces, every Tensor method, or every nn module (made with small or odd sizes, then called).
Errors are expected and ignored; what must not happen is a crash. Each call is printed before it
runs, so that a crash's last line names it.
usage: _random_calls.py functions|methods|modules first_seed seeds calls"""
import inspect
import random
import sys

import tapegrad as tg

DTYPES = [tg.float32, tg.float64, tg.int64, tg.int32, tg.bool, tg.complex64, tg.float16, tg.bfloat16, tg.uint8, tg.int8,
          tg.int16]
# Calls that would change the process's state for the calls after them, wait, or read files.
SKIP = {"set_num_threads", "set_num_interop_threads", "manual_seed", "seed", "save", "load", "set_default_dtype",
        "set_default_device", "set_printoptions", "use_deterministic_algorithms", "set_grad_enabled", "compile",
        "set_flush_denormal", "set_rng_state", "from_file", "set_default_tensor_type", "set_warn_always",
        "set_anomaly_enabled", "empty", "empty_like", "empty_strided", "ones", "zeros", "full", "randn", "rand",
        "randint", "arange", "linspace", "logspace", "eye", "randperm", "share_memory_", "pin_memory", "register_hook",
        "apply_", "map_", "set_", "resize_", "resize_as_", "__init__", "__new__", "__init_subclass__", "__setattr__",
        "__delattr__", "__setstate__", "__del__", "__iter__", "__index__", "while_loop"}
ATTRIBUTE_VALUES = [0, -1, 1, 2, 3, 2**40, -2**40, 0.0, -0.5, 1.5, float("nan"), float("inf"), (0, 0), (1, 2), (-1, 3),
                    (2, 2, 2), (), (1,), "same", "valid", "bogus", "none", "sum", None, True, False, "tanh", "bicubic"]
MODULE_OPTIONS = ["bias", "batch_first", "padding", "stride", "dilation", "groups", "bidirectional", "num_layers",
                  "dropout", "padding_mode", "affine", "track_running_stats", "reduction", "kernel_size", "eps", "dim",
                  "p", "proj_size"]


def tensor(rng):
    shape = [rng.choice([0, 1, 2, 3, 5]) for _ in range(rng.randrange(0, 4))]
    dtype = rng.choice(DTYPES)
    if dtype.is_floating_point or dtype.is_complex:
        t = tg.randn(*shape).to(dtype) if shape else tg.randn(()).to(dtype)
    elif dtype == tg.bool:
        t = tg.randn(*shape) > 0 if shape else tg.tensor(True)
    else:
        t = tg.randint(-3, 5, tuple(shape)).to(dtype)
    kind = rng.randrange(12)
    if kind == 0 and t.dim() >= 2:
        t = t.transpose(0, 1)
    elif kind == 1 and t.dim() >= 1 and t.shape[0] > 1:
        t = t[::2]
    elif kind == 2 and t.dim() < 4:
        t = t.expand(2, *t.shape)
    elif kind == 3 and t.is_floating_point():
        t = t.requires_grad_()
    elif kind in (4, 5) and t.is_floating_point():
        t = t * (float("nan") if kind == 4 else float("inf"))
    return t


def argument(rng):
    kind = rng.randrange(10)
    if kind < 5:
        return tensor(rng)
    if kind == 5:
        return rng.choice([0, 1, -1, 2, 3, -5, 100, 2**40, -2**63])
    if kind == 6:
        return rng.choice([0.0, -1.5, float("nan"), float("inf"), 1e300, 0.5])
    if kind == 7:
        return rng.choice([(), (1,), (2, 3), (-1,), (0,), [1, -1], (3, 3, 3)])
    if kind == 8:
        return rng.choice([None, True, False, "mean", "sum", "none", "fro", "reflect", "zeros", "bogus"])
    return [tensor(rng), tensor(rng)]


def describe(a):
    if isinstance(a, tg.Tensor):
        return f"Tensor{list(a.shape)} {a.dtype}"
    if isinstance(a, list):
        return "[" + ", ".join(describe(x) for x in a) + "]"
    return repr(a)[:40]


def use(result):
    """Prints the result and runs backward through it, where there is a graph."""
    if isinstance(result, tuple) and result:
        result = result[0]
    if isinstance(result, tg.Tensor):
        repr(result)
        if result.requires_grad and result.numel() > 0:
            (result.abs() if result.is_complex() else result.float()).sum().backward()


def try_call(rng, what, fn, args, keywords=("dim", "keepdim", "dtype", "p", "alpha", "out", "reduction", "k")):
    kwargs = {rng.choice(keywords): argument(rng)} if rng.random() < 0.3 else {}
    print(what, [describe(a) for a in args], {k: describe(v) for k, v in kwargs.items()}, flush=True)
    try:
        use(fn(*args, **kwargs))
    except Exception:  # any error is fine; a crash is not
        pass


def public(namespace):
    for name in dir(namespace):
        value = getattr(namespace, name)
        if not name.startswith("_") and name not in SKIP and callable(value) and not inspect.isclass(value):
            yield name, value


def main():
    family, first, seeds, calls = sys.argv[1], *map(int, sys.argv[2:5])
    functions = [(f"{prefix}.{name}", fn) for prefix, ns in (("tg", tg), ("tg.linalg", tg.linalg), ("tg.fft", tg.fft),
                                                            ("tg.special", tg.special), ("F", tg.nn.functional))
                 for name, fn in public(ns) if not inspect.ismodule(fn)]
    methods = [m for m in dir(tg.Tensor) if m not in SKIP and callable(getattr(tg.Tensor, m, None))]
    modules = [k for k, v in vars(tg.nn).items() if inspect.isclass(v) and issubclass(v, tg.nn.Module)
               and not k.startswith("_") and k not in ("Module", "Sequential", "ModuleList", "ModuleDict",
                                                        "ParameterList", "ParameterDict")]
    for seed in range(first, first + seeds):
        rng = random.Random(seed)
        tg.manual_seed(seed)
        for _ in range(calls):
            if family == "functions":
                name, fn = rng.choice(functions)
                try_call(rng, name, fn, [argument(rng) for _ in range(rng.randrange(0, 5))])
            elif family == "methods":
                name, t = rng.choice(methods), tensor(rng)
                try_call(rng, f"{describe(t)}.{name}", getattr(t, name), [argument(rng) for _ in range(rng.randrange(0, 4))])
            else:
                name = rng.choice(modules)
                sizes = [rng.choice([0, 1, 2, 3, 4, -1, 5, 16]) for _ in range(rng.randrange(0, 4))]
                options = {}
                if rng.random() < 0.4:
                    options[rng.choice(MODULE_OPTIONS)] = rng.choice([0, 1, 2, -1, True, False, "zeros", "reflect",
                                                                      "circular", "mean", 0.5, (1, 2)])
                print(name, sizes, options, flush=True)
                try:
                    module = getattr(tg.nn, name)(*sizes, **options)
                except Exception:
                    continue
                writable = [k for k in dir(type(module)) if getattr(getattr(type(module), k, None), "fset", None)]
                for _ in range(3):
                    if writable and rng.random() < 0.4:  # a configuration attribute set to an odd value
                        key, value = rng.choice(writable), rng.choice(ATTRIBUTE_VALUES)
                        print(f"  .{key} = {value!r}", flush=True)
                        try:
                            setattr(module, key, value)
                        except Exception:
                            pass
                    inputs = [tensor(rng) for _ in range(rng.randrange(1, 3))]
                    if rng.random() < 0.5:
                        inputs[0] = tg.randn(*[rng.choice([1, 2, 3, 4, 5, 8, 16]) for _ in range(rng.randrange(1, 5))])
                    if rng.random() < 0.3:
                        module.eval()
                    try_call(rng, f"  {name}()", module, inputs, ("input", "hx"))
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
