"""The shared rollout: the same loop for the book's rules, plain step functions and torch.optim."""
from __future__ import annotations

import pytest
import torch

from d2l_opt.objectives import quadratic
from d2l_opt.optimizers import adagrad, momentum, sgd, yogi
from d2l_opt.rollout import largest_difference, random_gradients, rollout, rollout_torch
from d2l_opt.traces import run_trace


def test_gradient_function_gives_the_trace():
    x0 = torch.tensor([-5.0, -2.0], dtype=torch.float64)
    path = rollout(momentum, x0, quadratic.grad, steps=20, eta=0.1, beta=0.5)
    trace = run_trace(momentum, quadratic, steps=20, start=(-5.0, -2.0), eta=0.1, beta=0.5)
    torch.testing.assert_close(path, trace.points, rtol=0, atol=0)
    theirs = rollout_torch(momentum, x0, quadratic.grad, steps=20, eta=0.1, beta=0.5)
    assert largest_difference(path, theirs) < 1e-12


def test_plain_step_function_needs_and_uses_a_state():
    def adagrad_step(x, g, s, *, eta, eps=1e-6):
        s = s + g * g
        return x - eta * g / torch.sqrt(s + eps), s

    x0 = torch.zeros(3, dtype=torch.float64)
    grads = random_gradients(50, (3,), seed=1)
    ours = rollout(adagrad_step, x0, grads, state=torch.zeros(3, dtype=torch.float64), eta=0.1)
    torch.testing.assert_close(ours, rollout(adagrad, x0, grads, eta=0.1), rtol=0, atol=0)
    assert ours.shape == (51, 3) and torch.equal(ours[0], x0)
    path, states = rollout(adagrad, x0, grads, eta=0.1, with_states=True)
    assert len(states) == 51 and torch.equal(path, ours)
    torch.testing.assert_close(states[-1].s, (grads ** 2).sum(0), rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match="state is needed to roll out the plain function"):
        rollout(adagrad_step, x0, grads, eta=0.1)


def test_random_gradients_are_seeded_and_scaled():
    scales = torch.tensor([1e-3, 1.0, 1e3], dtype=torch.float64)
    a = random_gradients(10, (3,), seed=4, scales=scales)
    assert torch.equal(a, random_gradients(10, (3,), seed=4, scales=scales))
    torch.testing.assert_close(a / scales, random_gradients(10, (3,), seed=4))


@pytest.mark.parametrize("call, message", [
    (lambda x, g: rollout(sgd, x, g, eta=-1.0), "eta must be a finite number > 0, got -1.0"),
    (lambda x, g: rollout(sgd, x, g, steps=0, eta=0.1), "steps must be an integer from 1 to 5"),
    (lambda x, g: rollout(sgd, x, g[:, :2], eta=0.1),
     r"grads must be a function of x or a tensor of shape \(steps, 3\), got \(5, 2\)"),
    (lambda x, g: rollout(sgd, x, quadratic.grad, eta=0.1), "steps is needed"),
    (lambda x, g: rollout_torch(yogi, x, g, eta=0.1), "yogi has no torch.optim twin"),
    (lambda x, g: rollout_torch(adagrad, x, g, eta="a"), "eta must be a finite number > 0"),
    (lambda x, g: largest_difference(x, g), r"paths must have one shape"),
])
def test_bad_input_is_named(call, message):
    x = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=message):
        call(x, random_gradients(5, (3,), seed=0))
