"""Traces: the batch equals one-at-a-time runs, divergence is caught, bad input is named."""
from __future__ import annotations

import itertools
import math
import warnings

import pytest
import torch

from d2l_opt.objectives import OBJECTIVES, ill_conditioned, quadratic
from d2l_opt.optimizers import adam, momentum, rmsprop, sgd
from d2l_opt.schedules import exponential, piecewise_constant, polynomial
from d2l_opt.traces import (FACTOR_QUANTUM, NOISE_QUANTUM, describe, noise_draws, run_grid,
                            run_together, run_trace, schedule_factor)


@pytest.mark.parametrize("objective", OBJECTIVES.values(), ids=list(OBJECTIVES))
def test_gradient_by_autograd_vanishes_at_the_minimizer(objective):
    x_star = torch.tensor(objective.minimizer, dtype=torch.float64)
    assert objective.grad(x_star).abs().max() < 1e-12
    point = torch.tensor([0.3, -0.7], dtype=torch.float64)
    step = 1e-6
    numeric = torch.stack([(objective(point + step * e) - objective(point - step * e)) / (2 * step)
                           for e in torch.eye(2, dtype=torch.float64)])
    torch.testing.assert_close(objective.grad(point), numeric, rtol=1e-6, atol=1e-6)


def test_grid_equals_single_runs():
    etas, betas = [0.05, 0.3, 0.6, 0.9], [0.0, 0.5, 0.9]
    grid_eta, grid_beta = zip(*itertools.product(etas, betas))
    grid = run_grid(momentum, ill_conditioned, steps=30, eta=list(grid_eta),
                    beta=list(grid_beta), noise=0.5, seed=7)
    assert grid.points.shape == (12, 31, 2)
    for k, (eta, beta) in enumerate(zip(grid_eta, grid_beta)):
        single = run_trace(momentum, ill_conditioned, steps=30, eta=eta, beta=beta, noise=0.5,
                           seed=7)
        torch.testing.assert_close(grid.points[k], single.points, rtol=0, atol=0)
        assert int(grid.diverged_at[k]) == int(single.diverged_at)


def test_grid_over_schedule_parameters_equals_single_runs():
    alphas = [0.0, 0.5, 1.0]
    grid = run_grid(sgd, quadratic, steps=40, eta=0.1, noise=1.0, seed=1, schedule=polynomial,
                    alpha=alphas, lam=0.1)
    for k, alpha in enumerate(alphas):
        single = run_trace(sgd, quadratic, steps=40, eta=0.1, noise=1.0, seed=1,
                           schedule=polynomial, alpha=alpha, lam=0.1)
        torch.testing.assert_close(grid.points[k], single.points, rtol=0, atol=0)


def test_sequence_schedule_parameter_is_passed_as_given():
    # boundaries is one value of piecewise_constant, not a grid column of two settings
    grid = run_grid(sgd, quadratic, steps=30, eta=[0.1, 0.2], schedule=piecewise_constant,
                    boundaries=[5, 12], factor=0.5)
    assert grid.points.shape == (2, 31, 2)
    for k, eta in enumerate([0.1, 0.2]):
        single = run_trace(sgd, quadratic, steps=30, eta=eta, schedule=piecewise_constant,
                           boundaries=(5, 12), factor=0.5)
        torch.testing.assert_close(grid.points[k], single.points, rtol=0, atol=0)
    # by hand: the rate halves at t = 5 and again at t = 12 (t counts updates taken)
    x1 = -5.0
    for t in range(30):
        x1 -= 0.1 * 0.5 ** ((t >= 5) + (t >= 12)) * 2 * x1
    assert float(grid.points[0, -1, 0]) == pytest.approx(x1, rel=1e-12)


def test_gradient_descent_matches_closed_form():
    # On x1^2 + 2 x2^2, GD multiplies x1 by (1 - 2 eta) and x2 by (1 - 4 eta) each step.
    trace = run_trace(sgd, quadratic, steps=10, eta=0.1)
    expected = torch.tensor([-5.0 * 0.8 ** 10, -2.0 * 0.6 ** 10], dtype=torch.float64)
    torch.testing.assert_close(trace.points[-1], expected)


def test_noise_is_seeded():
    a = run_trace(sgd, quadratic, eta=0.1, noise=1.0, seed=3, steps=50)
    b = run_trace(sgd, quadratic, eta=0.1, noise=1.0, seed=3, steps=50)
    c = run_trace(sgd, quadratic, eta=0.1, noise=1.0, seed=4, steps=50)
    assert torch.equal(a.points, b.points) and not torch.equal(a.points, c.points)


def test_noise_of_a_longer_run_starts_like_a_shorter_one():
    short = run_trace(sgd, quadratic, eta=0.1, noise=1.0, seed=5, steps=50)
    long = run_trace(sgd, quadratic, eta=0.1, noise=1.0, seed=5, steps=500)
    assert torch.equal(short.points, long.points[:51])


def test_noise_and_schedule_inputs_are_quantized():
    # What run_grid adds and scales by are k / 1e6 and k / 2^30, so the page's engine, given
    # the integers k, computes with exactly the same numbers.
    draws = noise_draws(40, seed=9)
    assert draws.dtype == torch.int64
    normals = torch.Generator().manual_seed(9)
    first = torch.randn(2, generator=normals, dtype=torch.float64)
    assert torch.equal(draws[0], torch.round(first * NOISE_QUANTUM).to(torch.int64))
    x0 = torch.tensor([-5.0, -2.0], dtype=torch.float64)
    trace = run_trace(sgd, quadratic, eta=0.1, noise=0.5, seed=9, steps=1)
    expected = x0 - 0.1 * (quadratic.grad(x0) + 0.5 * (draws[0].double() / NOISE_QUANTUM))
    assert torch.equal(trace.points[1], expected)
    factor = schedule_factor(exponential, 7, lam=0.1)
    assert factor * FACTOR_QUANTUM == round(factor * FACTOR_QUANTUM)
    assert abs(factor - math.exp(-0.7)) <= 2 ** -31
    grid = schedule_factor(exponential, 7, lam=torch.tensor([[0.1], [0.2]], dtype=torch.float64))
    assert grid[0, 0] == factor
    trace = run_trace(sgd, quadratic, eta=0.1, steps=7, schedule=exponential, lam=0.1)
    factor = schedule_factor(exponential, 6, lam=0.1)  # the 7th update, after 6 taken
    x6 = trace.points[6]
    assert torch.equal(trace.points[7], x6 - (0.1 * factor) * quadratic.grad(x6))


def test_schedule_is_pure():
    first = run_trace(sgd, quadratic, eta=0.1, noise=1.0, steps=100, schedule=exponential, lam=0.1)
    again = run_trace(sgd, quadratic, eta=0.1, noise=1.0, steps=100, schedule=exponential, lam=0.1)
    assert torch.equal(first.points, again.points)


def test_divergence_is_detected_and_held_without_warnings():
    # x2 is multiplied by (1 - 4 * 0.6) = -1.4 each step: it leaves the window and grows.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = run_trace(sgd, ill_conditioned, eta=0.6, steps=200)
    k = int(trace.diverged_at)
    assert k > 0
    assert describe(trace) == f"diverged at step {k}"
    assert torch.isfinite(trace.points).all()
    assert torch.equal(trace.points[k:], trace.points[k].expand_as(trace.points[k:]))
    assert abs(trace.points[k - 1, 1]) < abs(trace.points[k, 1])


def test_overflow_to_infinity_is_held_at_the_last_finite_point():
    trace = run_trace(sgd, quadratic, eta=1e300, steps=5)
    assert int(trace.diverged_at) == 1
    assert torch.isfinite(trace.points).all()


def test_converging_run_is_not_flagged():
    trace = run_trace(adam, ill_conditioned, eta=0.1, steps=200)
    assert int(trace.diverged_at) == -1
    assert describe(trace).startswith("after 200 steps: f(x) = ")


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps must be an integer >= 1, got 0"),
    (dict(steps=2.5), "steps must be an integer >= 1, got 2.5"),
    (dict(start=(1.0, 2.0, 3.0)), r"start must be a point of shape \(2,\), got shape \(3,\)"),
    (dict(start=(float("nan"), 0.0)), "start must be finite"),
    (dict(eta=-0.1), "eta must be a finite number > 0, got -0.1"),
    (dict(noise=-1.0), "noise must be a finite number >= 0, got -1.0"),
    (dict(gamma=0.9), "unknown parameter.*gamma"),
])
def test_bad_arguments_are_named(kwargs, message):
    arguments = dict(eta=0.1) | kwargs
    with pytest.raises(ValueError, match=message):
        run_trace(sgd, quadratic, **arguments)


def test_grid_columns_must_agree():
    with pytest.raises(ValueError, match="grid columns must have one length"):
        run_grid(rmsprop, quadratic, eta=[0.1, 0.2], gamma=[0.9, 0.8, 0.7])
    with pytest.raises(ValueError, match="run_trace takes one value per parameter"):
        run_trace(sgd, quadratic, eta=[0.1, 0.2])


def test_runs_together_equal_runs_alone():
    runs = [(sgd, None, {"eta": 0.1}), (momentum, None, {"eta": 0.3, "beta": 0.8}),
            (adam, exponential, {"eta": 0.2, "lam": 0.05}), (sgd, None, {"eta": 0.6})]
    together = run_together(runs, ill_conditioned, steps=60, noise=0.5, seed=4, start=(1.0, -2.0))
    for (rule, schedule, params), trace in zip(runs, together):
        alone = run_trace(rule, ill_conditioned, steps=60, noise=0.5, seed=4, start=(1.0, -2.0),
                          schedule=schedule, **params)
        torch.testing.assert_close(trace.points, alone.points, rtol=0, atol=0)
        assert int(trace.diverged_at) == int(alone.diverged_at)
    assert int(together[3].diverged_at) > 0  # gradient descent at eta = 0.6 leaves the window
    with pytest.raises(ValueError, match="run_together takes one value per parameter"):
        run_together([(sgd, None, {"eta": [0.1, 0.2]})], quadratic)
