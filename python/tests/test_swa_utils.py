"""tg.optim.swa_utils: AveragedModel (SWA and EMA), SWALR and update_bn, against torch where present."""
import math

import pytest

import tapegrad as tg
from tapegrad import nn
from tapegrad.optim import swa_utils


def test_averaged_model_is_the_running_mean_or_the_ema():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    swa = swa_utils.AveragedModel(model)
    ema = swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.5))
    ema_one = swa_utils.AveragedModel(model, avg_fn=swa_utils.get_ema_avg_fn(0.5))
    snapshots = []
    for step in range(3):
        with tg.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        model(tg.randn(4, 2))  # moves the running stats
        snapshots.append([p.clone() for p in model.parameters()])
        for averaged in (swa, ema, ema_one):
            averaged.update_parameters(model)
    assert swa.n_averaged.item() == 3
    for mine, *versions in zip(swa.parameters(), *snapshots):
        assert tg.allclose(mine, sum(versions) / 3, atol=1e-6)
    for mine, first, second, third in zip(ema.module.parameters(), *snapshots):
        expected = 0.5 * (0.5 * first + 0.5 * second) + 0.5 * third
        assert tg.allclose(mine, expected, atol=1e-6)
    assert all(tg.allclose(a, b, atol=1e-6) for a, b in zip(ema.parameters(), ema_one.parameters()))
    # Buffers follow the model unless averaged too.
    assert tg.equal(swa.module[1].running_mean, model[1].running_mean)
    assert list(swa.state_dict())[0] == "n_averaged" and "module.0.weight" in swa.state_dict()
    x = tg.randn(2, 2)
    swa.eval()
    assert tg.allclose(swa(x), swa.module(x))
    with pytest.raises(ValueError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())


def test_swalr_anneals_to_the_swa_lr():
    param = nn.Parameter(tg.ones(1))
    opt = tg.optim.SGD([param], lr=1.0)
    scheduler = swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=4, anneal_strategy="linear")
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(6):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    assert [round(v, 6) for v in lrs] == [1.0, 0.775, 0.55, 0.325, 0.1, 0.1, 0.1]
    state = scheduler.state_dict()
    other = swa_utils.SWALR(tg.optim.SGD([param], lr=1.0), swa_lr=0.5)
    other.load_state_dict(state)
    assert other.last_epoch == scheduler.last_epoch and other.swa_lrs == [0.1]
    with pytest.raises(ValueError, match="anneal_strategy must by one of 'cos' or 'linear'"):
        swa_utils.SWALR(opt, swa_lr=0.1, anneal_strategy="step")
    cos = swa_utils.SWALR(tg.optim.SGD([param], lr=1.0), swa_lr=0.0, anneal_epochs=2)
    cos.step()
    assert math.isclose(cos.get_last_lr()[0], 0.5 * (1 + math.cos(math.pi / 2)), abs_tol=1e-9)


def test_update_bn_averages_over_the_loader():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).eval()
    batches = [tg.randn(8, 2) * (i + 1) + i for i in range(4)]
    swa_utils.update_bn([(b, 0) for b in batches], model)
    assert not model.training and model[1].momentum == 0.1
    with tg.no_grad():
        means = [model[0](b).mean(dim=0) for b in batches]
        variances = [model[0](b).var(dim=0) for b in batches]
    assert tg.allclose(model[1].running_mean, sum(means) / 4, atol=1e-5)
    assert tg.allclose(model[1].running_var, sum(variances) / 4, atol=1e-4)


def test_swalr_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import SWALR as TorchSWALR
    t_opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.3)
    opt = tg.optim.SGD([nn.Parameter(tg.ones(1))], lr=0.3)
    t_sched, sched = TorchSWALR(t_opt, swa_lr=0.05, anneal_epochs=3), swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3)
    for _ in range(5):
        t_opt.step()
        t_sched.step()
        opt.step()
        sched.step()
        assert math.isclose(sched.get_last_lr()[0], t_sched.get_last_lr()[0], rel_tol=1e-9)


def test_swalr_is_an_lr_scheduler():
    from tapegrad.optim.lr_scheduler import LRScheduler, SequentialLR, StepLR

    opt = tg.optim.SGD([nn.Parameter(tg.ones(1))], lr=1.0)
    swa = swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
    assert isinstance(swa, LRScheduler) and swa.base_lrs == [1.0] and swa.last_epoch == 0
    assert swa.get_last_lr() == [1.0]
    swa.step()
    assert swa.get_last_lr() == pytest.approx([0.55])
    state = swa.state_dict()
    assert state["swa_lrs"] == [0.1] and state["last_epoch"] == 1 and "optimizer" not in state
    # In a chain of schedulers: StepLR first, then annealing to the SWA rate.
    opt = tg.optim.SGD([nn.Parameter(tg.ones(1))], lr=1.0)
    chain = SequentialLR(opt, [StepLR(opt, step_size=10), swa_utils.SWALR(opt, swa_lr=0.1, anneal_epochs=2)],
                         milestones=[2])
    lrs = []
    for _ in range(5):
        opt.step()
        chain.step()
        lrs.append(round(opt.param_groups[0]["lr"], 6))
    assert lrs[0] == 1.0 and lrs[-1] == 0.1
