r"""Learning-rate schedules as pure functions of the step counter.

A schedule returns the factor :math:`\eta_t / \eta` by which it scales the base rate η.

**One convention for the step counter, everywhere in the package and the chapters:** ``t`` is
the number of updates already taken (or of epochs, for the training loops), counted from 0, so
the first update uses ``schedule(0)``. That is ``last_epoch`` of ``torch.optim.lr_scheduler``:
the rate of the update that follows ``t`` calls of ``scheduler.step()`` is
``base_lr * schedule(t)``. :data:`TORCH_TWINS` says which torch scheduler, with which
arguments, gives each schedule; the tests prove them equal step by step.

Parameters may be floats or tensors that broadcast against each other and against ``t``, so that
a grid of schedules runs in one call. No schedule keeps a counter: the same ``t`` gives the same
factor.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
from torch import Tensor

from ._validate import check_integer, check_nonnegative, check_positive, check_unit_interval

Param = float | Tensor

__all__ = ["constant", "factor", "piecewise_constant", "exponential", "polynomial",
           "polynomial_to_zero", "cosine", "warmup_cosine", "SCHEDULES", "TORCH_TWINS"]


def _exp(x):
    return torch.exp(x) if isinstance(x, Tensor) else math.exp(x)


def _cos(x):
    return torch.cos(x) if isinstance(x, Tensor) else math.cos(x)


def _minimum(t, total):
    return torch.clamp(t, max=total) if isinstance(t, Tensor) else min(t, total)


def constant(t) -> float:
    r"""No decay: :math:`\eta_t = \eta`."""
    return 1.0


def factor(t, *, gamma: float = 0.5, step_size: int = 1):
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta\, \gamma^{\lfloor t / \text{step\_size} \rfloor}

    Args:
        t: the step counter (from 0), a number or a tensor.
        gamma: the factor, in (0, 1].
        step_size: steps between two drops (>= 1).
    Returns: the factor :math:`\eta_t/\eta`.
    torch: ``StepLR(step_size=step_size, gamma=gamma)``.
    Example: ``factor(3, gamma=0.5, step_size=2)`` is ``0.5``. Chapter: learning-rate schedules.
    """
    check_unit_interval("gamma", gamma)
    check_integer("step_size", step_size, 1)
    return gamma ** (t // step_size)


def piecewise_constant(t, *, boundaries: Sequence[float] = (0.5, 1.0, 1.5),
                       factor: float = 0.5):
    r"""Multiply the rate by ``factor`` each time ``t`` reaches a boundary (multi-step decay).

    .. math:: \eta_t = \eta \cdot \text{factor}^{\,|\{i : t \ge \tau_i\}|}

    Args:
        t: step counter or time (a float, or a tensor of them).
        boundaries: increasing times :math:`\tau_i` where the rate drops.
        factor: the drop, in (0, 1].
    Returns: the factor :math:`\eta_t/\eta`, of the type of ``t``.
    torch: ``MultiStepLR(milestones=boundaries, gamma=factor)`` (integer boundaries).
    Example: ``piecewise_constant(1.2)`` is ``0.25``. Chapter: SGD.
    """
    if list(boundaries) != sorted(boundaries):
        raise ValueError(f"boundaries must be increasing, got {list(boundaries)}")
    check_unit_interval("factor", factor)
    passed = sum((t >= b) * 1 for b in boundaries)
    return factor ** passed


def exponential(t, *, lam: Param = 0.1):
    r"""Exponential decay :math:`\eta_t = \eta\, e^{-\lambda t}`.

    torch: ``ExponentialLR(gamma=exp(-lam))``.
    Example: ``exponential(10, lam=0.1)`` is ``exp(-1)``. Chapter: SGD.
    """
    check_nonnegative("lam", lam)
    return _exp(-lam * t)


def polynomial(t, *, alpha: Param = 0.5, lam: Param = 0.1):
    r"""Polynomial (inverse-time) decay :math:`\eta_t = \eta\, (1 + \lambda t)^{-\alpha}`.

    With α = 0.5 the rate falls like :math:`1/\sqrt{t}`, the choice the convex analysis favours.
    torch has no scheduler of this form (its ``PolynomialLR`` is :func:`polynomial_to_zero`);
    ``LambdaLR(lambda t: (1 + lam * t) ** -alpha)`` runs it.
    Example: ``polynomial(30, alpha=0.5, lam=0.1)`` is ``0.5``. Chapter: SGD.
    """
    check_nonnegative("alpha", alpha)
    check_positive("lam", lam)
    return (1 + lam * t) ** (-alpha)


def polynomial_to_zero(t, *, total: int = 100, power: float = 1.0):
    r"""Decay to zero over ``total`` steps: :math:`\eta_t = \eta\,(1 - \min(t, T)/T)^{p}`.

    torch: ``PolynomialLR(total_iters=total, power=power)``.
    Example: ``polynomial_to_zero(50, total=100)`` is ``0.5``. Chapter: learning-rate schedules.
    """
    check_integer("total", total, 1)
    check_nonnegative("power", power)
    return (1 - _minimum(t, total) / total) ** power


def cosine(t, *, total: int = 100, final: float = 0.0):
    r"""Cosine annealing from η to ``final`` η over ``total`` steps, then constant.

    .. math:: \eta_t = \eta \left(f + (1 - f)\, \frac{1 + \cos(\pi \min(t, T) / T)}{2}\right)

    torch: ``CosineAnnealingLR(T_max=total, eta_min=final * base_lr)`` for ``t <= total`` (torch
    then rises again; this schedule stays at its end value).
    Example: ``cosine(50, total=100)`` is ``0.5``. Chapter: learning-rate schedules.
    """
    check_integer("total", total, 1)
    check_nonnegative("final", final)
    return final + (1 - final) * (1 + _cos(math.pi * _minimum(t, total) / total)) / 2


def warmup_cosine(t, *, warmup: int = 10, total: int = 100, start_factor: float = 0.1,
                  final: float = 0.0):
    r"""Linear warm-up from ``start_factor`` η to η over ``warmup`` steps, then cosine down
    to ``final`` η.

    .. math:: \eta_t = \eta \left(s + (1 - s)\frac{t}{W}\right) \ (t < W), \qquad
              \eta_t = \eta\, \text{cosine}(t - W;\ T - W, f) \ (t \ge W)

    torch: ``SequentialLR([LinearLR(start_factor=start_factor, total_iters=warmup),
    CosineAnnealingLR(T_max=total - warmup, eta_min=final * base_lr)], milestones=[warmup])``.
    Example: ``warmup_cosine(0, warmup=10, start_factor=0.1)`` is ``0.1``. Chapter: learning-rate
    schedules.
    """
    check_integer("warmup", warmup, 1)
    check_integer("total", total, warmup + 1)
    check_unit_interval("start_factor", start_factor)
    ramp = start_factor + (1 - start_factor) * _minimum(t, warmup) / warmup
    after = cosine(t - warmup, total=total - warmup, final=final)
    if isinstance(t, Tensor):
        return torch.where(t < warmup, ramp, after)
    return ramp if t < warmup else after


#: Schedules by name, for explorers and tests.
SCHEDULES: dict[str, Callable] = {f.__name__: f for f in (
    constant, factor, piecewise_constant, exponential, polynomial, polynomial_to_zero, cosine,
    warmup_cosine)}


def _linear_then_cosine(optimizer, *, warmup, total, start_factor, final):
    base = optimizer.param_groups[0]["lr"]
    sched = torch.optim.lr_scheduler
    return sched.SequentialLR(optimizer, [
        sched.LinearLR(optimizer, start_factor=start_factor, end_factor=1.0, total_iters=warmup),
        sched.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=final * base)],
        milestones=[warmup])


#: For each schedule with a torch twin: a function ``(optimizer, **params) -> scheduler`` that
#: builds the ``torch.optim.lr_scheduler`` giving the same rates.
TORCH_TWINS: dict[str, Callable] = {
    "constant": lambda opt: torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0),
    "factor": lambda opt, *, gamma, step_size: torch.optim.lr_scheduler.StepLR(
        opt, step_size=step_size, gamma=gamma),
    "piecewise_constant": lambda opt, *, boundaries, factor: torch.optim.lr_scheduler.MultiStepLR(
        opt, milestones=list(boundaries), gamma=factor),
    "exponential": lambda opt, *, lam: torch.optim.lr_scheduler.ExponentialLR(
        opt, gamma=math.exp(-lam)),
    "polynomial_to_zero": lambda opt, *, total, power: torch.optim.lr_scheduler.PolynomialLR(
        opt, total_iters=total, power=power),
    "cosine": lambda opt, *, total, final: torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=total, eta_min=final * opt.param_groups[0]["lr"]),
    "warmup_cosine": _linear_then_cosine,
}
