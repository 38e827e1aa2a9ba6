"""Every update rule against torch.optim, step for step, and on a convex and a non-convex test."""
from __future__ import annotations

import math

import pytest
import torch

from d2l_opt.objectives import quadratic, rosenbrock
from d2l_opt.optimizers import RULES, adam, adadelta, adagrad, momentum, rmsprop, sgd, yogi
from d2l_opt.rollout import largest_difference, rollout, rollout_torch
from d2l_opt.traces import run_trace

STEPS = 150
#: Settings for each rule with a torch.optim twin, in the book's names; the registry
#: (``rule.torch_twin``) translates them, and its ``same_when`` values (eps = 0 where eps sits
#: elsewhere) are added so that the two rules coincide exactly.
SETTINGS = {
    "sgd": [dict(eta=0.05)],
    "momentum": [dict(eta=0.05, beta=0.9), dict(eta=0.01, beta=0.5)],
    "adagrad": [dict(eta=0.1)],
    "rmsprop": [dict(eta=0.01, gamma=0.9)],
    "adadelta": [dict(rho=0.9, eps=1e-5)],
    "adam": [dict(eta=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
             dict(eta=0.1, beta1=0.8, beta2=0.99, eps=1e-6)],
}
TORCH_TABLE = [(rule, {**hyper, **rule.torch_twin.same_when})
               for rule in RULES.values() if rule.torch_twin is not None
               for hyper in SETTINGS[rule.name]]


def test_every_twin_has_settings():
    assert {rule.name for rule, _ in TORCH_TABLE} == {
        name for name, rule in RULES.items() if rule.torch_twin is not None}
    assert RULES["yogi"].torch_twin is None  # torch has no Yogi


def run_both(rule, hyper, dtype, seed=0):
    """The same start and gradient sequence through the book's rule and its torch twin."""
    generator = torch.Generator().manual_seed(seed)
    x0 = torch.randn((7, 3), generator=generator, dtype=dtype)
    grads = torch.randn((STEPS, 7, 3), generator=generator, dtype=dtype)
    return rollout(rule, x0, grads, **hyper), rollout_torch(rule, x0, grads, **hyper)


@pytest.mark.parametrize("rule, hyper", TORCH_TABLE,
                         ids=[f"{rule.name}-{i}" for i, (rule, _) in enumerate(TORCH_TABLE)])
@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
def test_rule_equals_torch_step_for_step(rule, hyper, dtype, tolerance):
    ours, theirs = run_both(rule, hyper, dtype)
    worst = largest_difference(ours, theirs)
    assert worst <= tolerance, f"{rule.name}: largest difference {worst:.2e} over {STEPS} steps"
    assert not torch.equal(ours[-1], ours[0])


def test_registry_translates_names():
    assert adam.torch_twin.kwargs(eta=0.1, beta1=0.8) == {"lr": 0.1, "betas": (0.8, 0.999)}
    assert rmsprop.torch_twin.kwargs(eta=0.01, gamma=0.5, eps=0.0) == {
        "lr": 0.01, "alpha": 0.5, "eps": 0.0}
    assert adadelta.torch_twin.kwargs(rho=0.8) == {"lr": 1.0, "rho": 0.8}
    with pytest.raises(ValueError, match="Adadelta has no counterpart of eta"):
        adadelta.torch_twin.kwargs(eta=0.1)


def test_hyperparameters_come_from_the_signature():
    assert adam.required == ("eta",)
    assert adam.defaults == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-6}
    assert rmsprop.hyperparameters == ("eta", "gamma", "eps")
    assert adadelta.required == () and "eta" not in adadelta.hyperparameters
    assert yogi.defaults["eps"] == 1e-3
    assert all(rule.reference for rule in RULES.values())


@pytest.mark.parametrize("rule, book, torch_kwargs", [
    (adagrad, dict(eta=0.1), dict(lr=0.1)),
    (rmsprop, dict(eta=0.01, gamma=0.9), dict(lr=0.01, alpha=0.9)),
])
def test_default_eps_placement_is_a_real_difference(rule, book, torch_kwargs):
    """With their default eps the book's rule and torch's differ, but only slightly."""
    generator = torch.Generator().manual_seed(0)
    x0 = torch.randn((7, 3), generator=generator, dtype=torch.float64)
    grads = torch.randn((STEPS, 7, 3), generator=generator, dtype=torch.float64)
    ours = rollout(rule, x0, grads, **book)
    theirs = rollout_torch(rule.torch_twin.optimizer, x0, grads, **torch_kwargs)
    assert 1e-12 < largest_difference(ours, theirs) < 1e-3


def test_adadelta_has_no_learning_rate():
    assert "eta" not in adadelta.hyperparameters
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        adadelta.step(torch.ones(2), torch.ones(2), adadelta.init(torch.ones(2)), eta=1.0)


def yogi_reference(x: list[float], grads: list[list[float]], eta, beta1, beta2, eps):
    """Yogi transcribed element by element in plain Python from the update equations."""
    v = [0.0] * len(x)
    s = [0.0] * len(x)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            v[i] = beta1 * v[i] + (1 - beta1) * gi
            sign = (s[i] > gi * gi) - (s[i] < gi * gi)
            s[i] = s[i] - (1 - beta2) * sign * gi * gi
            v_hat = v[i] / (1 - beta1 ** t)
            s_hat = s[i] / (1 - beta2 ** t)
            x[i] = x[i] - eta * v_hat / (math.sqrt(s_hat) + eps)
    return x


def test_yogi_matches_independent_transcription():
    generator = torch.Generator().manual_seed(3)
    x0 = torch.randn(5, generator=generator, dtype=torch.float64)
    grads = torch.randn((STEPS, 5), generator=generator, dtype=torch.float64)
    x, state = x0, yogi.init(x0)
    for g in grads:
        x, state = yogi.step(x, g, state, eta=0.01)
    expected = yogi_reference(x0.tolist(), grads.tolist(), 0.01, 0.9, 0.999, 1e-3)
    torch.testing.assert_close(x, torch.tensor(expected, dtype=torch.float64), rtol=0,
                               atol=1e-12)


def test_yogi_differs_from_adam_only_in_the_second_moment():
    generator = torch.Generator().manual_seed(4)
    x = torch.randn(6, generator=generator, dtype=torch.float64)
    s_prev = torch.rand(6, generator=generator, dtype=torch.float64)
    v_prev = torch.randn(6, generator=generator, dtype=torch.float64)
    g = torch.randn(6, generator=generator, dtype=torch.float64)
    state = adam.init(x)._replace(t=3, v=v_prev, s=s_prev)
    hyper = dict(eta=0.01, beta1=0.9, beta2=0.999, eps=1e-3)
    _, adam_state = adam.step(x, g, state, **hyper)
    yogi_x, yogi_state = yogi.step(x, g, state, **hyper)
    torch.testing.assert_close(yogi_state.v, adam_state.v, rtol=0, atol=0)
    # Adam: s - s_prev = (1 - b2)(g^2 - s_prev); Yogi: -(1 - b2) sign(s_prev - g^2) g^2.
    torch.testing.assert_close(adam_state.s - s_prev, 0.001 * (g * g - s_prev))
    torch.testing.assert_close(yogi_state.s - s_prev, -0.001 * torch.sign(s_prev - g * g) * g * g)
    # Feeding Yogi's second moment into Adam's step gives Yogi's step.
    expected = x - 0.01 * (yogi_state.v / (1 - 0.9 ** 4)) / (
        torch.sqrt(yogi_state.s / (1 - 0.999 ** 4)) + 1e-3)
    torch.testing.assert_close(yogi_x, expected)


# Every rule must converge on a convex quadratic and on Rosenbrock from the same start.
CONVERGENCE_TABLE = [
    (sgd, dict(eta=0.1), dict(eta=0.001)),
    (momentum, dict(eta=0.05, beta=0.5), dict(eta=0.0005, beta=0.9)),
    (adagrad, dict(eta=1.0), dict(eta=0.5)),
    (rmsprop, dict(eta=0.05), dict(eta=0.002)),
    (adadelta, dict(rho=0.99, eps=1e-2), dict(rho=0.999, eps=1e-6)),  # touchy without noise
    (adam, dict(eta=0.1), dict(eta=0.02)),
    (yogi, dict(eta=0.1), dict(eta=0.02)),
]


def test_convergence_table_covers_every_rule():
    assert {row[0].name for row in CONVERGENCE_TABLE} == set(RULES)


@pytest.mark.parametrize("rule, on_quadratic, on_rosenbrock", CONVERGENCE_TABLE,
                         ids=[row[0].name for row in CONVERGENCE_TABLE])
def test_rule_converges(rule, on_quadratic, on_rosenbrock):
    trace = run_trace(rule, quadratic, steps=400, start=(-4.0, 2.0), **on_quadratic)
    assert int(trace.diverged_at) == -1
    assert trace.losses[-1] < 1e-3 * trace.losses[0]
    trace = run_trace(rule, rosenbrock, steps=5000, start=(-1.0, 1.5), **on_rosenbrock)
    assert int(trace.diverged_at) == -1
    assert trace.losses[-1] < 0.05, f"{rule.name} ended at loss {trace.losses[-1]:.3g}"
    assert trace.losses[-1] < 1e-2 * trace.losses[0]


@pytest.mark.parametrize("name, value, message", [
    ("eta", -0.1, "eta must be a finite number > 0, got -0.1"),
    ("eta", 0.0, "eta must be a finite number > 0, got 0.0"),
    ("eta", float("nan"), "eta must be a finite number > 0, got nan"),
    ("beta", 1.0, "beta must lie in \\[0, 1\\), got 1.0"),
    ("beta", -0.5, "beta must lie in \\[0, 1\\), got -0.5"),
    ("eta", "a", "eta must be a finite number > 0, got 'a'"),
    ("beta", None, "beta must lie in \\[0, 1\\), got None"),
    ("eta", True, "eta must be a finite number > 0, got True"),
])
def test_bad_hyperparameters_are_named(name, value, message):
    hyper = {"eta": 0.1, "beta": 0.5, name: value}
    x = torch.zeros(3)
    with pytest.raises(ValueError, match=message):
        momentum.step(x, x, momentum.init(x), **hyper)


def test_bad_tensor_hyperparameter_and_shapes():
    x = torch.zeros(2, 2)
    with pytest.raises(ValueError, match="gamma must lie in"):
        rmsprop.step(x, x, rmsprop.init(x), eta=0.1, gamma=torch.tensor([[0.5], [1.5]]))
    with pytest.raises(ValueError, match="grad must have the shape of params"):
        sgd.step(x, torch.zeros(3), sgd.init(x), eta=0.1)
    with pytest.raises(ValueError, match="needs eta"):
        adam.step(x, x, adam.init(x))


def test_rules_are_pure():
    x = torch.ones(4)
    g = torch.full((4,), 0.5)
    for rule in RULES.values():
        state = rule.init(x)
        frozen = [t.clone() for t in state if isinstance(t, torch.Tensor)]
        hyper = {"eta": 0.1, "beta": 0.5} if "eta" in rule.required else {}
        hyper = {k: v for k, v in hyper.items() if k in rule.hyperparameters}
        new_x, _ = rule.step(x, g, state, **hyper)
        assert torch.equal(x, torch.ones(4)) and not torch.equal(new_x, x)
        for before, after in zip(frozen, [t for t in state if isinstance(t, torch.Tensor)]):
            assert torch.equal(before, after), f"{rule.name} changed its state in place"
