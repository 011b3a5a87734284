"""inspect.signature of _C's classes: scripts look for keywords before passing them (nanoGPT's
'fused' in inspect.signature(torch.optim.AdamW).parameters)."""
import inspect

import pytest

import tapegrad as tg
from tapegrad._c_classes import pybind11_classes


def names(obj):
    return list(inspect.signature(obj).parameters)


def test_layers_show_their_constructor_and_factory_keywords():
    sig = inspect.signature(tg.nn.Linear)
    assert list(sig.parameters) == ["in_features", "out_features", "bias", "device", "dtype"]
    assert sig.parameters["bias"].default is True and sig.parameters["dtype"].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.signature(tg.nn.LSTM).parameters["dropout"].default == 0.0
    assert "size_average" in names(tg.nn.MSELoss) and inspect.signature(tg.nn.MSELoss).parameters["reduction"].default == "mean"
    assert names(tg.optim.lr_scheduler.StepLR) == ["optimizer", "step_size", "gamma", "last_epoch"]
    assert names(tg.utils.data.Subset) == ["dataset", "indices"]


def test_optimizers_show_torch_keywords_each_of_which_they_take():
    p = tg.zeros(2, 2, requires_grad=True)
    assert "fused" in inspect.signature(tg.optim.AdamW).parameters
    assert names(tg.optim.Adam)[:6] == ["params", "lr", "betas", "eps", "weight_decay", "amsgrad"]
    assert inspect.signature(tg.optim.Adam).parameters["betas"].default == (0.9, 0.999)
    assert inspect.signature(tg.optim.Adafactor).parameters["eps"].default == (None, 1e-3)
    # defaults in torch's form: Adafactor's eps pair, Muon's coefficients and rate scaling by name
    assert tg.optim.Adafactor([p], eps=(1e-30, 1e-3)).defaults["eps"] == (1e-30, 1e-3)
    muon = tg.optim.Muon([p], adjust_lr_fn="match_rms_adamw").defaults
    assert muon["ns_coefficients"] == (3.4445, -4.775, 2.0315) and muon["adjust_lr_fn"] == "match_rms_adamw"
    assert tg.optim.Muon([p]).defaults["adjust_lr_fn"] is None
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop", "ASGD",
                 "Adafactor", "Muon"):
        cls = getattr(tg.optim, name)
        sig = inspect.signature(cls)
        # every keyword the signature shows is taken, at its default
        cls([p], **{k: v.default for k, v in sig.parameters.items() if k != "params"})


def test_python_classes_keep_their_own_signature():
    class Net(tg.nn.Module):
        def __init__(self, width, depth=2):
            super().__init__()

    class Wider(tg.nn.Linear):
        pass

    class Squares(tg.utils.data.Dataset):
        def __init__(self, n):
            self.n = n

    assert names(Net) == ["width", "depth"] and names(Squares) == ["n"]
    assert names(Wider) == names(tg.nn.Linear)


def test_every_class_has_a_signature_or_inspects_as_before():
    for cls in pybind11_classes():
        try:
            inspect.signature(cls)
        except ValueError as e:  # overloaded or no constructor: inspect's own error, as before
            assert "no signature found" in str(e)
