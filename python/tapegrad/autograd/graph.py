"""tg.autograd.graph, as torch.autograd.graph: the tape's Node (with register_hook and
register_prehook), a tensor's place on it (GradientEdge, get_gradient_edge), increment_version,
hooks on the tensors the tape saves for backward (saved_tensors_hooks, save_on_cpu,
disable_saved_tensors_hooks, allow_mutation_on_saved_tensors) and register_multi_grad_hook."""
import contextlib
import functools
import threading
from typing import NamedTuple

from .. import _C

_A = _C.autograd
Node = _A.Node


class GradientEdge(NamedTuple):
    """Where a tensor's gradient enters the tape: ``node`` (its grad_fn, or a leaf's
    AccumulateGrad) and which of that node's outputs it is. tg.autograd.grad takes edges as
    outputs and inputs."""
    node: Node
    output_nr: int


def get_gradient_edge(tensor):
    """The tensor's GradientEdge. It stays where it is when an in-place op later gives the tensor
    a new grad_fn, so grad() on it gives the gradient of the tensor as it was when taken."""
    return GradientEdge(*_A._get_gradient_edge(tensor))


def increment_version(tensor):
    """Marks ``tensor`` (or each tensor of an iterable) as changed in place, as an op that wrote
    into it behind the tape's back (through NumPy, say) must: backward then refuses tensors saved
    before the change instead of using their new values."""
    for t in [tensor] if isinstance(tensor, _C.Tensor) else tensor:
        _A._increment_version(t)


class saved_tensors_hooks:
    """While active (on this thread), each tensor an op saves for backward is passed to
    ``pack_hook(tensor)``, the tape keeps whatever it returns, and backward uses the tensor
    ``unpack_hook(packed)`` returns (same shape, dtype and device as the one saved). Nested
    contexts: the innermost applies. The unpacked tensor gets the saved tensor's autograd history
    back, so double backward works; changing a tensor in place after it was packed is not
    detected (the tape no longer holds it)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook
        self._scope = None

    def __enter__(self):
        scope = _A._SavedTensorsHooks(self.pack_hook, self.unpack_hook)
        scope._enter()
        self._scope = scope
        return self

    def __exit__(self, *exc):
        self._scope._exit()
        self._scope = None


class save_on_cpu:
    """Saved tensors go to CPU memory (page-locked with ``pin_memory`` when a GPU is there) and
    come back to their device in backward: GPU memory for activations traded for copies."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        if device_type not in ("cuda", "cpu"):
            raise ValueError(f"save_on_cpu: device_type must be 'cuda' or 'cpu', got {device_type!r}")
        self.pin_memory = bool(pin_memory)
        self._guard = None

    def __enter__(self):
        self._guard = _A._SaveOnCpu(self.pin_memory)
        return self

    def __exit__(self, *exc):
        self._guard = None  # its destructor removes the hooks


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """Within, no saved-tensor hooks apply on this thread, and entering saved_tensors_hooks or
    save_on_cpu raises RuntimeError(error_message)."""
    guard = _A._DisableSavedTensorsHooks(error_message)
    try:
        yield
    finally:
        del guard


class _AllowMutationOnSavedContext:
    def __init__(self):
        self.active = True


@contextlib.contextmanager
def allow_mutation_on_saved_tensors():
    """Within, tensors saved for backward may be changed in place afterwards: backward uses their
    values from when they were saved. Each saved tensor is copied when it is saved (PyTorch copies
    only those later changed, at the change), so this costs memory for every saved tensor; the
    copies go when the graph does. Backward of a graph recorded here must run inside the same
    context, as in PyTorch."""
    ctx = _AllowMutationOnSavedContext()

    def pack(t):
        return t.detach().clone()

    def unpack(copy):
        if not ctx.active:
            raise RuntimeError("Trying to backward outside of the 'allow_mutation_on_saved_tensors' context in which "
                               "the graph was originally recorded.")
        return copy

    try:
        with saved_tensors_hooks(pack, unpack):
            yield ctx
    finally:
        ctx.active = False


class _MultiGradHandle:
    def __init__(self, handles):
        self._handles = handles

    def remove(self):
        for h in self._handles:
            h.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """Calls ``fn`` once gradients reach the given tensors in a backward pass. mode="all":
    ``fn(grads)`` after the gradients of all of them that the pass computes are there (None for
    the others); mode="any": ``fn(grad)`` with the first one computed, once per pass."""
    if mode not in ("all", "any"):
        raise ValueError(f"register_multi_grad_hook: mode must be 'all' or 'any', got {mode!r}")
    tensors = tuple(tensors)
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"register_multi_grad_hook: tensor {i} does not require grad")
    lock = threading.Lock()
    state = {"pass": None, "grads": None, "pending": 0}

    def start_pass(current):
        # The pass is told apart by the engine's task id; its expected set, by the tensors whose
        # gradients the engine will compute in it.
        state["pass"] = current
        state["grads"] = [None] * len(tensors)
        state["pending"] = sum(1 for t in tensors if _A._will_engine_compute(t))

    def hook(i, grad):
        with lock:
            current = _A._current_graph_task_id()
            if state["pass"] != current:
                start_pass(current)
                if mode == "any":
                    fn(grad)
                    return None
            elif mode == "any":
                return None
            state["grads"][i] = grad
            state["pending"] -= 1
            if state["pending"] == 0:
                grads = tuple(state["grads"])
                state["grads"] = [None] * len(tensors)
                fn(grads)
        return None

    handles = [t.register_hook(functools.partial(hook, i)) for i, t in enumerate(tensors)]
    return _MultiGradHandle(handles)


__all__ = ["Node", "GradientEdge", "get_gradient_edge", "increment_version", "saved_tensors_hooks",
           "save_on_cpu", "disable_saved_tensors_hooks", "allow_mutation_on_saved_tensors",
           "register_multi_grad_hook"]
