"""Module.state_dict / load_state_dict as torch's: their hooks, get_extra_state, keep_vars, prefix,
and the (missing_keys, unexpected_keys) result, on Python modules and C++ layers alike."""
import collections

import pytest

import tapegrad as tg
from tapegrad import nn


def make_model(lib):
    """A Python module holding C++ layers, one child with extra state; the same code for both libraries."""

    class Counter(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = lib.nn.Linear(2, 2)
            self.calls = 0

        def get_extra_state(self):
            return {"calls": self.calls}

        def set_extra_state(self, state):
            self.calls = state["calls"]

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
            self.counter = Counter()
            self.head = lib.nn.Linear(2, 1)

    return Net()


def record_hooks(model, events):
    for name, m in model.named_modules():
        m.register_state_dict_pre_hook(lambda mod, prefix, keep, n=name: events.append(("pre", n, prefix, keep)))
        m.register_state_dict_post_hook(
            lambda mod, sd, prefix, meta, n=name: events.append(("post", n, prefix, len(sd), meta["version"])))


def test_state_dict_order_hooks_and_extra_state_as_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        model, events = make_model(lib), []
        record_hooks(model, events)
        sd = model.state_dict(prefix="net.")
        results.append((list(sd), events, sd["net.counter._extra_state"], type(sd)))
    assert results[0] == results[1]
    assert results[0][0][:5] == ["net.body.0.weight", "net.body.0.bias", "net.body.1.weight", "net.body.1.bias",
                                 "net.body.1.running_mean"]


def test_keep_vars_destination_and_the_old_positional_form():
    model = make_model(tg)
    held = model.state_dict(keep_vars=True)
    assert held["head.weight"] is model.head.weight and held["head.weight"].requires_grad
    assert not model.state_dict()["head.weight"].requires_grad
    into = {"other": 1}
    assert model.state_dict(destination=into, prefix="m.") is into and "m.head.bias" in into and into["other"] == 1
    positional = model.head.state_dict(None, "h.")
    assert list(positional) == ["h.weight", "h.bias"]


def test_load_hooks_rename_and_clear_keys():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tg, torch):
        model = make_model(lib)
        sd = model.state_dict()
        old = collections.OrderedDict((k.replace("head.", "classifier."), v) for k, v in sd.items())

        def rename(module, state, prefix, local_metadata, strict, missing, unexpected, errors):
            for key in [k for k in state if k.startswith(prefix + "classifier.")]:
                state[prefix + "head." + key[len(prefix + "classifier."):]] = state.pop(key)

        handle = model.register_load_state_dict_pre_hook(rename)
        result = model.load_state_dict(old)
        handle.remove()
        with pytest.raises(RuntimeError):
            model.load_state_dict(old)
        loose = model.load_state_dict(old, strict=False)
        # A post hook may clear what it dealt with, so that strict loading passes.
        model.register_load_state_dict_post_hook(lambda m, keys: keys.missing_keys.clear())
        partial = {k: v for k, v in sd.items() if not k.startswith("head.")}
        cleared = model.load_state_dict(partial)
        outcomes.append((repr(result), sorted(loose.missing_keys), sorted(loose.unexpected_keys),
                         cleared.missing_keys, repr(cleared)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == "<All keys matched successfully>" and outcomes[0][1] == ["head.bias", "head.weight"]


def test_extra_state_round_trips_and_is_required():
    model = make_model(tg)
    model.counter.calls = 5
    sd = model.state_dict()
    fresh = make_model(tg)
    fresh.load_state_dict(sd)
    assert fresh.counter.calls == 5
    del sd["counter._extra_state"]
    with pytest.raises(RuntimeError, match="missing keys: counter._extra_state"):
        fresh.load_state_dict(sd)
    assert fresh.load_state_dict(sd, strict=False).missing_keys == ["counter._extra_state"]
    with pytest.raises(RuntimeError, match="unexpected keys: extra._extra_state"):
        nn.Linear(2, 2).load_state_dict(dict(nn.Linear(2, 2).state_dict(), **{"extra._extra_state": 3}))
    with pytest.raises(RuntimeError, match="should never be called"):
        nn.Linear(2, 2).get_extra_state()


def test_hook_errors_and_results():
    lin = nn.Linear(2, 2)
    result = lin.load_state_dict(lin.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == [] and tuple(result) == ([], [])
    handle = lin.register_load_state_dict_pre_hook(lambda m, sd, p, meta, strict, mk, uk, errors: errors.append("bad"))
    with pytest.raises(RuntimeError, match="Linear.load_state_dict: the state does not match the model\n  bad"):
        lin.load_state_dict(lin.state_dict(), strict=False)
    handle.remove()
    with lin.register_state_dict_post_hook(lambda m, sd, p, meta: {}):
        with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
            lin.state_dict()
    assert list(lin.state_dict()) == ["weight", "bias"]  # the with block removed the hook
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        lin.load_state_dict([1, 2])
    with pytest.raises(RuntimeError, match="shape mismatches: 'weight'"):
        lin.load_state_dict({"weight": tg.zeros(3, 3), "bias": tg.zeros(2)}, strict=False)
