"""Optimizers and LR schedulers written in Python as for torch.optim: subclasses of Optimizer
(param_groups of dicts, state per parameter, step()) and of LRScheduler (get_lr()), driven by
tapegrad's schedulers and containers, saved and restored in torch's state_dict format."""
import copy
import importlib

import pytest

import tapegrad as tg
from tapegrad import nn, optim
from tapegrad.optim.lr_scheduler import LRScheduler, SequentialLR, StepLR


def make_optimizer_class(base, lib):
    """The same momentum-SGD-with-decay code, for tapegrad or torch."""

    class Momentum(base):
        def __init__(self, params, lr=0.1, momentum=0.9, weight_decay=0.0):
            super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

        @lib.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with lib.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    d = p.grad.add(p, alpha=group["weight_decay"])
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = d.clone()
                        state["step"] = lib.tensor(0.0)
                    else:
                        state["buf"].mul_(group["momentum"]).add_(d)
                    state["step"] += 1
                    p.add_(state["buf"], alpha=-group["lr"])
            return loss

    return Momentum


Momentum = make_optimizer_class(optim.Optimizer, tg)


def make_warmup_class(base):
    class Warmup(base):
        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            scale = min(1.0, (self.last_epoch + 1) / self.warmup)
            return [base_lr * scale for base_lr in self.base_lrs]

    return Warmup


Warmup = make_warmup_class(LRScheduler)


def quadratic(lib, w):
    return ((w - lib.tensor([1.0, -2.0, 3.0])) ** 2).sum()


def test_a_python_optimizer_trains_and_is_driven_by_schedulers():
    w = nn.Parameter(tg.zeros(3))
    b = nn.Parameter(tg.zeros(1))
    opt = Momentum([{"params": [w]}, {"params": b, "lr": 0.01}], lr=0.05)
    assert isinstance(opt, optim.Optimizer) and opt.defaults["momentum"] == 0.9
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.01] and opt.param_groups[1]["params"][0] is b
    sched = StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(4):
        opt.zero_grad()
        loss = quadratic(tg, w) + (b ** 2).sum()
        loss.backward()
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [0.05, 0.025, 0.025, 0.0125]
    assert opt.state[w]["step"].item() == 4
    opt.zero_grad()
    assert w.grad is None
    assert "Momentum (\nParameter Group 0\n    initial_lr: 0.05\n    lr: 0.0125\n    momentum: 0.9" in repr(opt)
    assert opt.step(closure=lambda: 7.0) == 7.0


def test_python_optimizer_state_dict_round_trip():
    w = nn.Parameter(tg.ones(3))
    opt = Momentum([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        quadratic(tg, w).backward()
        opt.step()
    sd = copy.deepcopy(opt.state_dict())  # state_dict holds the live state tensors, as in torch
    assert sd["param_groups"] == [{"lr": 0.1, "momentum": 0.9, "weight_decay": 0.0, "params": [0]}]
    assert set(sd["state"]) == {0} and sd["state"][0]["step"].item() == 2
    w2 = nn.Parameter(w.detach().clone())
    opt2 = Momentum([w2], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.param_groups[0]["params"][0] is w2
    for o, p in ((opt, w), (opt2, w2)):
        o.zero_grad()
        quadratic(tg, p).backward()
        o.step()
    assert tg.equal(w, w2)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt2.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt2.load_state_dict({"state": {}, "param_groups": [{"lr": 1.0, "params": [0, 1]}]})


def test_python_optimizer_errors():
    w = nn.Parameter(tg.ones(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        Momentum([])
    with pytest.raises(TypeError, match="ordered collections"):
        Momentum([{"params": {w}}])
    with pytest.raises(ValueError, match="more than one parameter group"):
        Momentum([{"params": [w]}, {"params": [w]}])
    with pytest.raises(RuntimeError, match="non-leaf"):
        Momentum([w * 2])

    class NeedsLr(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        NeedsLr([w])
    assert NeedsLr([{"params": [w], "lr": 0.5}]).param_groups[0]["lr"] == 0.5
    with pytest.raises(NotImplementedError, match="must define step"):
        optim.Optimizer([w], {}).step()
    with pytest.raises(TypeError, match="only a Python subclass of Optimizer"):
        optim.SGD([w], lr=0.1).state = {}


def test_python_schedulers():
    w = nn.Parameter(tg.ones(1))
    opt = optim.SGD([w], lr=1.0)
    sched = Warmup(opt, 4)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(5):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr()[0])
    assert seen == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert sched.last_epoch == 5 and sched.base_lrs == [1.0] and sched.optimizer is opt
    state = sched.state_dict()
    assert state["warmup"] == 4 and state["last_epoch"] == 5 and "optimizer" not in state
    again = Warmup(optim.SGD([nn.Parameter(tg.ones(1))], lr=1.0), 2)
    again.load_state_dict(state)
    assert again.warmup == 4 and again.last_epoch == 5
    with pytest.raises(NotImplementedError, match="must define get_lr"):
        LRScheduler(opt)
    # In tapegrad's SequentialLR, and over a Python optimizer.
    opt2 = Momentum([nn.Parameter(tg.ones(1))], lr=1.0)
    seq = SequentialLR(opt2, [Warmup(opt2, 2), StepLR(opt2, step_size=1, gamma=0.5)], milestones=[2])
    lrs = []
    for _ in range(4):
        opt2.step()
        seq.step()
        lrs.append(opt2.param_groups[0]["lr"])
    assert lrs == [1.0, 1.0, 0.5, 0.25]


def test_same_trajectories_as_torch():
    torch = pytest.importorskip("torch")
    TorchMomentum = make_optimizer_class(torch.optim.Optimizer, torch)
    TorchWarmup = make_warmup_class(torch.optim.lr_scheduler.LRScheduler)
    ours, theirs = nn.Parameter(tg.zeros(3)), torch.nn.Parameter(torch.zeros(3))
    o1, o2 = Momentum([ours], lr=0.05, weight_decay=0.01), TorchMomentum([theirs], lr=0.05, weight_decay=0.01)
    s1, s2 = Warmup(o1, 3), TorchWarmup(o2, 3)
    for _ in range(6):
        for o, p, lib in ((o1, ours, tg), (o2, theirs, torch)):
            o.zero_grad()
            quadratic(lib, p).backward()
            o.step()
        s1.step()
        s2.step()
        assert ours.tolist() == pytest.approx(theirs.tolist(), rel=1e-6)
        assert s1.get_last_lr() == pytest.approx(s2.get_last_lr())
    sd1, sd2 = o1.state_dict(), o2.state_dict()
    assert sd1["param_groups"] == sd2["param_groups"]  # 'initial_lr' included, as the schedulers write it
    assert sd1["state"][0]["buf"].tolist() == pytest.approx(sd2["state"][0]["buf"].tolist(), rel=1e-6)


def test_grad_scaler_steps_a_python_optimizer():
    w = nn.Parameter(tg.zeros(3))
    opt = Momentum([w], lr=0.1, momentum=0.0)
    scaler = tg.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(quadratic(tg, w)).backward()
    scaler.step(opt)  # unscales the gradient, then runs the Python step
    scaler.update()
    assert w.tolist() == pytest.approx([0.2, -0.4, 0.6])
    opt.zero_grad()
    w.grad = tg.full((3,), float("inf"))
    scaler.step(opt)  # an inf gradient: the step is skipped
    assert w.tolist() == pytest.approx([0.2, -0.4, 0.6])


def record_step_hooks(lib, opt, events):
    """The four kinds of step hook on ``opt``, each noting itself in ``events``."""
    registry = importlib.import_module(lib.__name__ + ".optim.optimizer")
    return [registry.register_optimizer_step_pre_hook(lambda o, a, k: events.append("global pre")),
            opt.register_step_pre_hook(lambda o, a, k: events.append("pre")),
            opt.register_step_post_hook(lambda o, a, k: events.append("post")),
            registry.register_optimizer_step_post_hook(lambda o, a, k: events.append("global post"))]


@pytest.mark.parametrize("kind", ["SGD", "LBFGS", "python"])
def test_step_hooks_in_torch_order(kind):
    torch = pytest.importorskip("torch")
    orders = []
    for lib in (tg, torch):
        w = lib.nn.Parameter(lib.zeros(3))
        cls = make_optimizer_class(lib.optim.Optimizer, lib) if kind == "python" else getattr(lib.optim, kind)
        opt = cls([w], lr=0.1)

        def closure():
            opt.zero_grad()
            loss = quadratic(lib, w)
            loss.backward()
            events.append("closure")
            return loss

        events = []
        handles = record_step_hooks(lib, opt, events)
        try:
            opt.step(closure)
        finally:
            for h in handles:
                h.remove()
        opt.step(closure)  # removed: no hook runs
        # L-BFGS's closure calls may differ in number; the hooks' places may not.
        orders.append([e for i, e in enumerate(events) if e != "closure" or events[i - 1] != "closure"])
    assert orders[0] == orders[1] == ["global pre", "pre", "closure", "post", "global post", "closure"]


def test_step_hooks_see_and_replace_the_arguments():
    w = nn.Parameter(tg.zeros(3))
    opt = optim.SGD([w], lr=0.1)
    seen = []
    quadratic(tg, w).backward()
    # A pre hook may hand step other arguments: here the closure that gives the loss.
    with opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": lambda: tg.tensor(7.0)})):
        opt.register_step_post_hook(lambda o, args, kwargs: seen.append((o is opt, args == (opt,), sorted(kwargs))))
        assert opt.step().item() == 7.0
    assert seen == [(True, True, ["closure"])]
    assert opt.step() is None  # the pre hook left with its `with` block; the post hook stays
    assert len(seen) == 2
    # GradScaler runs the optimizer's step through Python, so its hooks run too; not on a skipped step.
    scaler = tg.amp.GradScaler("cpu", init_scale=8.0)
    python_opt = Momentum([w])
    steps = []
    for o in (opt, python_opt):
        o.register_step_pre_hook(lambda o, a, k: steps.append(type(o).__name__))
        o.zero_grad()
        scaler.scale(quadratic(tg, w)).backward()
        scaler.step(o)
        scaler.update()
        o.zero_grad()
        w.grad = tg.full((3,), float("inf"))
        scaler.step(o)
        scaler.update()
    assert steps == ["SGD", "Momentum"]
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
        opt.register_step_pre_hook(lambda o, a, k: 3)
        opt.step()


def test_a_python_optimizer_without_step_still_says_so():
    class NoStep(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    w = nn.Parameter(tg.zeros(2))
    opt = NoStep([w])
    opt.register_step_pre_hook(lambda o, a, k: None)
    with pytest.raises(NotImplementedError):
        opt.step()


def test_a_python_scheduler_resumes_from_initial_lr_as_torch():
    torch = pytest.importorskip("torch")

    def run(lib, warmup_class):
        p = lib.nn.Parameter(lib.zeros(1))
        opt = lib.optim.SGD([p], lr=0.4)
        sched = warmup_class(opt, warmup=6)
        for _ in range(2):
            sched.step()
        again = lib.optim.SGD([p], lr=1.0)
        again.load_state_dict(opt.state_dict())
        resumed = warmup_class(again, warmup=6, last_epoch=sched.last_epoch)
        lrs = [again.param_groups[0]["lr"]]
        for _ in range(3):
            resumed.step()
            lrs.append(again.param_groups[0]["lr"])
        return resumed.base_lrs, resumed.last_epoch, lrs

    ours, theirs = run(tg, Warmup), run(torch, make_warmup_class(torch.optim.lr_scheduler.LRScheduler))
    assert ours[:2] == theirs[:2] == ([0.4], 6) and ours[2] == pytest.approx(theirs[2], rel=1e-12)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        Warmup(optim.SGD([nn.Parameter(tg.zeros(1))], lr=0.1), warmup=2, last_epoch=4)


@pytest.mark.parametrize("kind", ["SGD", "python"])
def test_state_dict_hooks_as_torch(kind):
    torch = pytest.importorskip("torch")

    def run(lib):
        w = lib.nn.Parameter(lib.zeros(3))
        cls = make_optimizer_class(lib.optim.Optimizer, lib) if kind == "python" else lib.optim.SGD
        opt = cls([w], lr=0.1, momentum=0.9)
        events = []
        opt.register_state_dict_pre_hook(lambda o: events.append("pre"))
        opt.register_state_dict_post_hook(lambda o, sd: sd["param_groups"][0].update(tag="saved") or None)
        opt.register_state_dict_post_hook(lambda o, sd: events.append("post first"), prepend=True)
        sd = opt.state_dict()

        def swap_lr(o, state):
            events.append("load pre")
            state = copy.deepcopy(state)
            state["param_groups"][0]["lr"] = 0.5
            return state

        opt.register_load_state_dict_pre_hook(swap_lr)
        opt.register_load_state_dict_post_hook(lambda o: events.append("load post"))
        opt.load_state_dict(sd)
        return events, sd["param_groups"][0]["tag"], opt.param_groups[0]["lr"], sd["param_groups"][0]["lr"]

    assert run(tg) == run(torch) == (["pre", "post first", "load pre", "load post"], "saved", 0.5, 0.1)
