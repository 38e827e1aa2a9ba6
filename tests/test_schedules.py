"""Learning-rate schedules: their values, their torch twins step by step, their validation."""
import math

import pytest
import torch

from d2l_opt.schedules import (SCHEDULES, TORCH_TWINS, constant, cosine, exponential, factor,
                               piecewise_constant, polynomial, polynomial_to_zero, warmup_cosine)
from d2l_opt.traces import run_trace
from d2l_opt.objectives import quadratic
from d2l_opt.optimizers import sgd


def test_values():
    assert constant(7) == 1.0
    assert exponential(10, lam=0.1) == pytest.approx(math.exp(-1))
    assert polynomial(30, alpha=0.5, lam=0.1) == pytest.approx(0.5)
    assert [piecewise_constant(t) for t in (0.0, 0.6, 1.2, 1.9)] == [1.0, 0.5, 0.25, 0.125]
    assert [factor(t, gamma=0.5, step_size=2) for t in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    assert polynomial_to_zero(50, total=100) == 0.5 and polynomial_to_zero(150, total=100) == 0
    assert cosine(0, total=10) == 1 and cosine(10, total=10) == pytest.approx(0)
    assert cosine(25, total=10, final=0.1) == pytest.approx(0.1)
    assert warmup_cosine(0, warmup=4, total=20, start_factor=0.2) == pytest.approx(0.2)
    assert warmup_cosine(4, warmup=4, total=20, start_factor=0.2) == pytest.approx(1.0)


# Parameters for each schedule with a torch twin, chosen to exercise its boundaries.
TWIN_PARAMS = {
    "constant": {},
    "factor": dict(gamma=0.7, step_size=3),
    "piecewise_constant": dict(boundaries=(4, 9, 15), factor=0.5),
    "exponential": dict(lam=0.05),
    "polynomial_to_zero": dict(total=25, power=2.0),
    "cosine": dict(total=30, final=0.1),
    "warmup_cosine": dict(warmup=5, total=30, start_factor=0.1, final=0.0),
}


def test_every_twin_is_tested():
    assert set(TWIN_PARAMS) == set(TORCH_TWINS) and set(TORCH_TWINS) <= set(SCHEDULES)


@pytest.mark.parametrize("name", list(TWIN_PARAMS))
def test_schedule_equals_its_torch_scheduler_step_by_step(name):
    """The update after t calls of scheduler.step() runs at base_lr * schedule(t)."""
    params, base = TWIN_PARAMS[name], 0.4
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base)
    scheduler = TORCH_TWINS[name](optimizer, **params)
    for t in range(30):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(
            base * SCHEDULES[name](t, **params), rel=1e-12, abs=1e-15), f"{name} at t = {t}"
        optimizer.step()
        scheduler.step()


def test_traces_use_the_same_counter():
    # The first update runs at schedule(0): with factor's gamma, the second at gamma * eta.
    trace = run_trace(sgd, quadratic, eta=0.1, steps=2, schedule=factor, gamma=0.5,
                      step_size=1)
    x1 = trace.points[1]
    torch.testing.assert_close(x1, trace.points[0] * torch.tensor([0.8, 0.6], dtype=torch.float64))
    torch.testing.assert_close(trace.points[2], x1 * torch.tensor([0.9, 0.8], dtype=torch.float64))


def test_tensors_broadcast():
    t = torch.arange(1, 4, dtype=torch.float64)
    lam = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    torch.testing.assert_close(exponential(t, lam=lam),
                               torch.stack([torch.ones(3, dtype=torch.float64), torch.exp(-t)]))
    assert piecewise_constant(torch.tensor([0.2, 1.7])).tolist() == [1.0, 0.125]
    steps = torch.arange(0, 12, dtype=torch.float64)
    values = warmup_cosine(steps, warmup=4, total=10, start_factor=0.25)
    assert values.tolist() == pytest.approx([warmup_cosine(int(s), warmup=4, total=10,
                                                           start_factor=0.25) for s in steps])


@pytest.mark.parametrize("call, message", [
    (lambda: exponential(1, lam=-1.0), "lam must be a finite number >= 0, got -1.0"),
    (lambda: polynomial(1, lam=0.0), "lam must be a finite number > 0, got 0.0"),
    (lambda: piecewise_constant(1, boundaries=(1.0, 0.5)), "boundaries must be increasing"),
    (lambda: piecewise_constant(1, factor=1.5), r"factor must lie in \(0, 1\], got 1.5"),
    (lambda: factor(1, step_size=0), "step_size must be an integer >= 1, got 0"),
    (lambda: cosine(1, total=0), "total must be an integer >= 1, got 0"),
    (lambda: warmup_cosine(1, warmup=10, total=10), "total must be an integer >= 11, got 10"),
    (lambda: factor(1, gamma="a"), r"gamma must lie in \(0, 1\], got 'a'"),
])
def test_bad_parameters_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
