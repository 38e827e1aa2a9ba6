"""Any update rule of the book as a ``torch.optim`` optimizer, for ordinary training loops.

``RuleOptimizer(model.parameters(), yogi, eta=0.01)`` trains a network with Yogi (which torch
lacks) or with a student's own rule, through the same ``step()`` / ``zero_grad()`` loop as
``torch.optim.Adam``. The rule's η is the param group's ``lr``, so the learning-rate schedulers
of ``torch.optim.lr_scheduler`` work with it unchanged.
"""
from __future__ import annotations

from typing import Iterable

import torch

from .optimizers import UpdateRule

__all__ = ["RuleOptimizer"]


class RuleOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` that applies ``rule.update`` to each parameter.

    Args:
        params: the parameters (or param groups) to optimize.
        rule: an :class:`~d2l_opt.optimizers.UpdateRule`, e.g. ``d2l_opt.optimizers.yogi``.
        **hyper: the rule's hyperparameters in the book's names (validated once); ``eta``
            becomes the group's ``lr``.

    Example: ``opt = RuleOptimizer(model.parameters(), yogi, eta=0.01)``; then
    ``loss.backward(); opt.step(); opt.zero_grad()``.
    """

    def __init__(self, params: Iterable, rule: UpdateRule, **hyper):
        if not isinstance(rule, UpdateRule):
            raise ValueError(f"rule must be an UpdateRule of d2l_opt, got {rule!r}")
        hyper = rule.resolve(**hyper)
        defaults = {("lr" if k == "eta" else k): v for k, v in hyper.items()}
        self.rule = rule
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = {("eta" if k == "lr" else k): group[k] for k in group
                     if k == "lr" or k in self.rule.hyperparameters}
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "rule_state" not in state:
                    state["rule_state"] = self.rule.init(p.detach())
                new, state["rule_state"] = self.rule.update(p.detach(), p.grad,
                                                            state["rule_state"], **hyper)
                p.copy_(new)
        return loss
