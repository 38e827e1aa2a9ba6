"""The training loops: torch.optim as the oracle, sampling, arguments, output, convergence."""
from __future__ import annotations

import math
import re
import warnings

import pytest
import torch

from d2l_opt.data import load_airfoil
from d2l_opt.optimizers import adadelta, adagrad, adam, momentum, rmsprop, sgd
from d2l_opt.training import epoch_order, init_params, train_scratch, train_torch


@pytest.fixture(scope="module")
def data():
    return load_airfoil()


def curve(result) -> torch.Tensor:
    return torch.tensor(result.losses, dtype=torch.float64)


# Each book rule with the torch.optim optimizer that computes the same update.
PAIRS = [
    pytest.param(sgd, dict(eta=0.05), torch.optim.SGD, dict(lr=0.05), id="sgd"),
    pytest.param(momentum, dict(eta=0.01, beta=0.9), torch.optim.SGD,
                 dict(lr=0.01, momentum=0.9), id="momentum"),
    pytest.param(adagrad, dict(eta=0.1, eps=0.0), torch.optim.Adagrad, dict(lr=0.1, eps=0.0),
                 id="adagrad"),
    pytest.param(rmsprop, dict(eta=0.01, gamma=0.9, eps=0.0), torch.optim.RMSprop,
                 dict(lr=0.01, alpha=0.9, eps=0.0), id="rmsprop"),
    pytest.param(adam, dict(eta=0.01, eps=1e-8), torch.optim.Adam, dict(lr=0.01, eps=1e-8),
                 id="adam"),
    pytest.param(adadelta, dict(rho=0.9, eps=1e-5), torch.optim.Adadelta,
                 dict(lr=1.0, rho=0.9, eps=1e-5), id="adadelta"),
]


@pytest.mark.parametrize("rule, hyper, optimizer, kwargs", PAIRS)
def test_scratch_matches_torch(data, rule, hyper, optimizer, kwargs):
    ours = train_scratch(rule, data, batch_size=10, epochs=1, quiet=True, **hyper)
    theirs = train_torch(optimizer, data, batch_size=10, epochs=1, quiet=True, **kwargs)
    assert ours.epochs == theirs.epochs
    torch.testing.assert_close(curve(ours), curve(theirs), rtol=1e-5, atol=1e-7)
    assert ours.losses[-1] < ours.losses[0]


def test_schedules_match_and_matter(data):
    tenfold = lambda epoch: 0.1 ** epoch  # noqa: E731
    ours = train_scratch(sgd, data, batch_size=50, epochs=3, schedule=tenfold, quiet=True,
                         eta=0.2)
    theirs = train_torch(torch.optim.SGD, data, batch_size=50, epochs=3, schedule=tenfold,
                         quiet=True, lr=0.2)
    constant = train_scratch(sgd, data, batch_size=50, epochs=3, quiet=True, eta=0.2)
    torch.testing.assert_close(curve(ours), curve(theirs), rtol=1e-5, atol=1e-7)
    first_epoch = sum(x <= 1 for x in ours.epochs)  # the first epoch has factor 1
    assert ours.losses[:first_epoch] == constant.losses[:first_epoch]
    assert ours.losses[-1] != constant.losses[-1]


@pytest.mark.parametrize("train, rule_or_class, hyper", [
    (train_scratch, sgd, dict(eta=0.05)),
    (train_torch, torch.optim.SGD, dict(lr=0.05)),
])
def test_same_seed_same_curve_and_no_global_state(data, train, rule_or_class, hyper):
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    first = train(rule_or_class, data, batch_size=10, epochs=1, seed=3, quiet=True, **hyper)
    again = train(rule_or_class, data, batch_size=10, epochs=1, seed=3, quiet=True, **hyper)
    other = train(rule_or_class, data, batch_size=10, epochs=1, seed=4, quiet=True, **hyper)
    assert first.losses == again.losses
    assert first.losses != other.losses
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads  # training runs on one thread, then restores


def test_init_params():
    w, b = init_params(5, torch.Generator().manual_seed(0))
    assert w.shape == (5, 1) and b.shape == (1,)
    assert torch.equal(b, torch.zeros(1))
    assert 0.001 < w.abs().mean() < 0.05


@pytest.mark.parametrize("n", [1, 7, 1500])
def test_without_replacement_visits_every_example_once(n):
    generator = torch.Generator().manual_seed(0)
    first, second = (epoch_order(n, generator) for _ in range(2))
    assert torch.equal(first.sort().values, torch.arange(n))
    assert torch.equal(second.sort().values, torch.arange(n))
    assert n == 1 or not torch.equal(first, second)  # a fresh order each epoch


def test_with_replacement_draws_uniformly():
    generator = torch.Generator().manual_seed(0)
    orders = torch.stack([epoch_order(1000, generator, with_replacement=True)
                          for _ in range(20)])
    assert orders.shape == (20, 1000) and orders.min() >= 0 and orders.max() < 1000
    distinct = torch.tensor([row.unique().numel() for row in orders], dtype=torch.float64)
    # n draws from n items cover about 1 - 1/e = 63% of them
    assert abs(distinct.mean() / 1000 - (1 - math.exp(-1))) < 0.02
    counts = torch.bincount(orders.flatten(), minlength=1000)
    assert counts.float().std() < 8  # Poisson(20) counts: std about 4.5


def test_with_replacement_trains_too(data):
    plain = train_scratch(sgd, data, batch_size=10, epochs=2, quiet=True, eta=0.05)
    drawn = train_scratch(sgd, data, batch_size=10, epochs=2, with_replacement=True,
                          quiet=True, eta=0.05)
    assert drawn.losses != plain.losses
    assert drawn.epochs == plain.epochs
    assert drawn.final_loss < 0.26


BAD = [
    (dict(batch_size=0), "batch_size", "0"),
    (dict(batch_size=1501), "batch_size", "1501"),
    (dict(batch_size=2.5), "batch_size", "2.5"),
    (dict(batch_size=True), "batch_size", "True"),
    (dict(epochs=0), "epochs", "0"),
    (dict(epochs=1.0), "epochs", "1.0"),
    (dict(seed=-1), "seed", "-1"),
    (dict(log_every=0), "log_every", "0"),
    (dict(with_replacement="yes"), "with_replacement", "yes"),
    (dict(schedule=0.1), "schedule", "0.1"),
]


@pytest.mark.parametrize("train, first", [(train_scratch, sgd), (train_torch, torch.optim.SGD)])
@pytest.mark.parametrize("change, name, value", BAD)
def test_bad_arguments_are_named(data, train, first, change, name, value):
    arguments = dict(batch_size=10, epochs=1, quiet=True) | change
    rate = {"eta": 0.1} if train is train_scratch else {"lr": 0.1}
    with pytest.raises(ValueError, match=re.escape(name)) as error:
        train(first, data, **arguments, **rate)
    assert value in str(error.value)


@pytest.mark.parametrize("bad_data", [
    load_airfoil.__name__,  # not tensors
    (torch.zeros(10, 5), torch.zeros(10)),  # targets not (n, 1)
    (torch.zeros(10, 5), torch.zeros(9, 1)),  # lengths differ
])
def test_bad_data(bad_data):
    with pytest.raises(ValueError, match="data"):
        train_scratch(sgd, bad_data, batch_size=1, epochs=1, quiet=True, eta=0.1)


@pytest.mark.parametrize("rule, hyper, name", [
    (sgd, dict(eta=-1.0), "eta"),
    (sgd, dict(lr=0.1), "lr"),
    (momentum, dict(eta=0.1), "beta"),
    (adadelta, dict(schedule=lambda epoch: 1.0), "eta"),
])
def test_bad_hyperparameters_are_named(data, rule, hyper, name):
    with pytest.raises(ValueError, match=name):
        train_scratch(rule, data, batch_size=10, epochs=1, quiet=True, **hyper)


def test_quiet_prints_nothing_and_default_prints_one_line(data, capsys):
    train_scratch(sgd, data, batch_size=100, epochs=1, quiet=True, eta=0.4)
    train_torch(torch.optim.SGD, data, batch_size=100, epochs=1, quiet=True, lr=0.4)
    assert capsys.readouterr().out == ""
    result = train_scratch(sgd, data, batch_size=100, epochs=1, eta=0.4)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [result.summary()]
    assert re.fullmatch(r"loss 0\.\d{3}, \d+(\.\d+)?(e-\d+)? sec/epoch", lines[0])


def test_curve_layout(data):
    result = train_scratch(sgd, data, batch_size=10, epochs=1, quiet=True, eta=0.05)
    assert result.epochs == [k / 10 for k in range(11)]  # every 150 examples, from epoch 0
    coarse = train_scratch(sgd, data, batch_size=100, epochs=1, log_every=400, quiet=True,
                           eta=0.05)
    assert coarse.epochs == [0, 400 / 1500, 800 / 1500, 1200 / 1500, 1.0]  # and the end
    assert len(result.losses) == len(result.seconds) == len(result.epochs)
    assert result.seconds[0] == 0.0
    assert all(a <= b for a, b in zip(result.seconds, result.seconds[1:]))
    assert result.sec_per_epoch == pytest.approx(result.seconds[-1])
    assert result.final_loss == result.losses[-1] and result.diverged_at is None


@pytest.mark.parametrize("train, first, rate", [(train_scratch, sgd, {"eta": 5.0}),
                                                (train_torch, torch.optim.SGD, {"lr": 5.0})])
def test_divergence_stops_the_run(data, capsys, train, first, rate):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = train(first, data, batch_size=10, epochs=2, **rate)
    assert result.diverged_at is not None and result.diverged_at < 2
    assert result.final_loss == math.inf
    assert all(math.isfinite(loss) for loss in result.losses)
    assert capsys.readouterr().out.startswith(f"diverged at epoch {result.diverged_at:.3g}, ")


# The syllabus's four runs and the losses it reports (0.244, 0.244, 0.249, 0.245).
SYLLABUS = [(1500, 1.0, 10), (1, 0.005, 5), (100, 0.4, 2), (10, 0.05, 2)]


@pytest.mark.parametrize("batch_size, eta, epochs", SYLLABUS)
def test_syllabus_settings_reach_its_losses(data, batch_size, eta, epochs):
    result = train_scratch(sgd, data, batch_size=batch_size, epochs=epochs, quiet=True, eta=eta)
    assert result.losses[0] > 0.45  # the initial loss is about 0.49
    assert 0.235 < result.final_loss < 0.255
    assert result.epochs[-1] == epochs
