"""RuleOptimizer: any book rule inside a torch training loop equals the rule itself."""
from __future__ import annotations

import functools

import pytest
import torch

from d2l_opt.optimizers import RULES, adam, yogi
from d2l_opt.rollout import largest_difference, random_gradients, rollout, rollout_torch
from d2l_opt.torch_optim import RuleOptimizer

SETTINGS = {"sgd": dict(eta=0.1), "momentum": dict(eta=0.05, beta=0.9), "adagrad": dict(eta=0.1),
            "rmsprop": dict(eta=0.01), "adadelta": dict(rho=0.9), "adam": dict(eta=0.01),
            "yogi": dict(eta=0.01)}


@pytest.mark.parametrize("name", list(RULES))
def test_rule_optimizer_equals_the_rule(name):
    rule, hyper = RULES[name], SETTINGS[name]
    x0 = random_gradients(1, (4, 3), seed=1)[0]
    grads = random_gradients(60, (4, 3), seed=2)
    wrapped = functools.partial(RuleOptimizer, rule=rule)
    ours = rollout(rule, x0, grads, **hyper)
    theirs = rollout_torch(wrapped, x0, grads, **hyper)
    assert largest_difference(ours, theirs) == 0.0 and not torch.equal(ours[-1], x0)


def test_schedulers_drive_eta():
    p = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))
    optimizer = RuleOptimizer([p], yogi, eta=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    p.grad = torch.ones(2, dtype=torch.float64)
    optimizer.step()
    scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.05


def test_bad_input_is_named():
    p = torch.nn.Parameter(torch.ones(2))
    with pytest.raises(ValueError, match="eta must be a finite number > 0, got -1"):
        RuleOptimizer([p], adam, eta=-1)
    with pytest.raises(ValueError, match="rule must be an UpdateRule"):
        RuleOptimizer([p], torch.optim.Adam, eta=0.1)
