"""Per-op overhead from Python, for tapegrad or PyTorch (the same code runs on either):
a 1-element add, the same while recording for autograd, a custom op's call (tapegrad's
extension example; torch.library.custom_op in PyTorch), a 1,000-step `x = x * a + b` chain
forward + backward, everyday calls of model code (x.shape[0], x.dtype, x.view(-1), x.to("cpu"),
tolist, a 4 x 4 product), and Python-written model code (a Linear subclass in Sequential, its deep copy,
an optimizer written in Python, svd_lowrank). Prints "name value unit" lines for side_by_side.py.
usage: bench_python.py [tapegrad|torch]"""
import importlib
import sys
import time


def best_of(fn, number, repeat=7):
    """The fastest of `repeat` runs of `number` calls, in microseconds per call."""
    for _ in range(max(1, number // 10)):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "tapegrad"
    lib = importlib.import_module(name)
    lib.set_num_threads(1)
    print(f"{name} {lib.__version__} from Python {sys.version.split()[0]}, CPU tensors, 1 thread")

    a, b = lib.ones(1), lib.ones(1)
    print(f"python_add_1elem {best_of(lambda: a + b, 100_000):.3f} us")
    leaf = lib.ones(1, requires_grad=True)
    print(f"python_add_1elem_recording {best_of(lambda: leaf + b, 100_000):.3f} us")
    print(f"python_mul_scalar_1elem {best_of(lambda: a * 2.0, 100_000):.3f} us")
    print(f"python_sigmoid_1elem {best_of(lambda: lib.sigmoid(a), 100_000):.3f} us")
    if name == "tapegrad":
        # The documented extension op (examples/extension): the same work as a built-in's call.
        import os

        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "extension", "swish.cpp")
        ext = lib.utils.cpp_extension.load("swish_ext", sources=[source])
        print(f"python_custom_op_swish_1elem {best_of(lambda: ext.swish(a, 1.0), 100_000):.3f} us")
    else:
        # PyTorch's way to the same thing: torch.library.custom_op with a registered backward.
        @lib.library.custom_op("tgbench::swish", mutates_args=())
        def swish(x: lib.Tensor, beta: float) -> lib.Tensor:
            return x * lib.sigmoid(beta * x)

        def swish_backward(ctx, grad):
            s = lib.sigmoid(ctx.beta * ctx.x)
            return grad * (s + ctx.beta * ctx.x * s * (1 - s)), None

        def setup(ctx, inputs, output):
            ctx.x, ctx.beta = inputs

        swish.register_autograd(swish_backward, setup_context=setup)
        print(f"python_custom_op_swish_1elem {best_of(lambda: swish(a, 1.0), 100_000):.3f} us")

    x0 = lib.ones(1, requires_grad=True)
    w, c = lib.full((1,), 1.0001), lib.full((1,), 1e-4)

    def chain():
        x = x0
        for _ in range(1000):
            x = x * w + c
        x.backward()

    print(f"python_chain_1000_fwd_bwd {best_of(chain, 5) / 1000:.3f} ms")
    everyday_calls(lib)
    model_figures(lib)


def everyday_calls(lib):
    """What model code calls between the ops: metadata, views, conversions, a tiny product."""
    m, v = lib.ones(4, 4), lib.ones(4)
    calls = {
        "shape_index": lambda: m.shape[0],
        "dtype": lambda: m.dtype,
        "device": lambda: m.device,
        "size_dim": lambda: m.size(0),
        "dim": lambda: m.dim(),
        "requires_grad": lambda: m.requires_grad,
        "view_flat": lambda: m.view(-1),
        "to_cpu_str": lambda: m.to("cpu"),
        "tolist_4": lambda: v.tolist(),
        "matmul_4x4": lambda: m @ m,
    }
    for key, fn in calls.items():
        print(f"python_{key} {best_of(fn, 100_000):.3f} us")


def model_figures(lib):
    """What Python-written model code costs: a Python subclass of Linear called by Sequential, its
    deep copy, an optimizer written in Python, and a randomized low-rank SVD."""
    import copy

    nn = lib.nn

    class Scaled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 0.5

    class Momentum(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01, momentum=0.9):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = p.grad.clone()
                    else:
                        state["buf"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(state["buf"], alpha=-group["lr"])

    lib.manual_seed(0)
    model = nn.Sequential(*[Scaled(256, 256) for _ in range(8)])
    x = lib.randn(32, 256)
    with lib.no_grad():
        print(f"python_subclass_linear_seq8_fwd {best_of(lambda: model(x), 200):.1f} us")
    print(f"python_deepcopy_subclass_seq8 {best_of(lambda: copy.deepcopy(model), 50):.1f} us")
    opt = Momentum(model.parameters())
    model(x).sum().backward()
    print(f"python_written_optimizer_step_16 {best_of(opt.step, 200):.1f} us")
    a = lib.randn(1000, 50) @ lib.randn(50, 500)
    print(f"python_svd_lowrank_1000x500_q10 {best_of(lambda: lib.svd_lowrank(a, q=10), 10) / 1000:.3f} ms")


if __name__ == "__main__":
    main()
