r"""Learning-rate schedules as pure functions of the step number.

A schedule returns the factor :math:`\eta_t / \eta` by which step ``t`` (counted from 1)
scales the base rate η. Its parameters may be floats or tensors that broadcast against each
other, so that a grid of schedules runs in one call. No schedule keeps a counter: calling it
twice with the same ``t`` gives the same answer.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

from ._validate import check_nonnegative, check_positive

Param = float | Tensor

__all__ = ["constant", "piecewise_constant", "exponential", "polynomial", "SCHEDULES"]


def _exp(x):
    return torch.exp(x) if isinstance(x, Tensor) else math.exp(x)


def constant(t) -> float:
    r"""No decay: :math:`\eta_t = \eta`."""
    return 1.0


def piecewise_constant(t, *, boundaries: Sequence[float] = (0.5, 1.0, 1.5),
                       factor: float = 0.5):
    r"""Multiply the rate by ``factor`` each time ``t`` passes a boundary.

    .. math:: \eta_t = \eta \cdot \text{factor}^{\,|\{i : t \ge \tau_i\}|}

    Args:
        t: step number or time (a float, or a tensor of them).
        boundaries: increasing times :math:`\tau_i` where the rate drops.
        factor: the drop, between 0 and 1.
    Returns: the factor :math:`\eta_t/\eta`, of the type of ``t``.
    Example: ``piecewise_constant(1.2)`` is ``0.25``. Chapter: SGD.
    """
    if list(boundaries) != sorted(boundaries):
        raise ValueError(f"boundaries must be increasing, got {list(boundaries)}")
    if not 0 < factor <= 1:
        raise ValueError(f"factor must lie in (0, 1], got {factor!r}")
    passed = sum((t >= b) * 1 for b in boundaries)
    return factor ** passed


def exponential(t, *, lam: Param = 0.1):
    r"""Exponential decay :math:`\eta_t = \eta\, e^{-\lambda t}`.

    Example: ``exponential(10, lam=0.1)`` is ``exp(-1)``. Chapter: SGD.
    """
    check_nonnegative("lam", lam)
    return _exp(-lam * t)


def polynomial(t, *, alpha: Param = 0.5, lam: Param = 0.1):
    r"""Polynomial decay :math:`\eta_t = \eta\, (1 + \lambda t)^{-\alpha}`.

    With α = 0.5 the rate falls like :math:`1/\sqrt{t}`, the choice the convex analysis favours.
    Example: ``polynomial(30, alpha=0.5, lam=0.1)`` is ``0.5``. Chapter: SGD.
    """
    check_nonnegative("alpha", alpha)
    check_positive("lam", lam)
    return (1 + lam * t) ** (-alpha)


#: Schedules by name, for explorers and tests.
SCHEDULES = {f.__name__: f for f in (constant, piecewise_constant, exponential, polynomial)}
