"""Run an update rule on a two-dimensional objective and record where it goes.

:func:`run_grid` runs many hyperparameter settings at once, as one batch of 2D points: a
hyperparameter given as a sequence of ``settings`` values becomes a ``(settings, 1)`` tensor
that the update rule broadcasts. :func:`run_trace` is the one-setting case. Both only compute;
drawing lives in :mod:`d2l_opt.plotting`.
"""
from __future__ import annotations

import inspect
from typing import Callable, NamedTuple, Sequence

import torch
from torch import Tensor

from .objectives import Objective
from ._validate import check_integer, check_nonnegative
from .optimizers import UpdateRule

__all__ = ["Trace", "run_trace", "run_grid", "describe", "DIVERGENCE_FACTOR"]

#: A run counts as diverged once a coordinate is this many window widths from the window's
#: centre (or is no longer finite). Far enough that no converging run is ever cut short.
DIVERGENCE_FACTOR = 100.0


class Trace(NamedTuple):
    """The points an optimizer visits, with their losses.

    For :func:`run_grid`, ``points`` has shape ``(settings, steps + 1, 2)``, ``losses``
    ``(settings, steps + 1)`` and ``diverged_at`` ``(settings,)``; for :func:`run_trace` the
    leading ``settings`` axis is absent. ``diverged_at`` is the first step whose point left
    the region (or stopped being finite), -1 if none did; from that step on a run stays
    where it was, so a plot can draw it up to the edge of the window.
    """

    points: Tensor
    losses: Tensor
    diverged_at: Tensor


def _as_settings(name: str, value) -> Tensor:
    values = torch.as_tensor(value, dtype=torch.float64)
    if values.dim() > 1:
        raise ValueError(f"{name} must be a number or a 1-D sequence, got shape "
                         f"{tuple(values.shape)}")
    return values


def _split_params(rule: UpdateRule, schedule: Callable | None, params: dict) -> tuple[dict, dict]:
    accepted = set()
    if schedule is not None:
        accepted = {p.name for p in inspect.signature(schedule).parameters.values()
                    if p.kind is inspect.Parameter.KEYWORD_ONLY}
    rule_params = {k: v for k, v in params.items() if k in rule.hyperparameters}
    schedule_params = {k: v for k, v in params.items() if k in accepted and k not in rule_params}
    unknown = sorted(set(params) - set(rule_params) - set(schedule_params))
    if unknown:
        where = f" or the schedule {schedule.__name__}" if schedule is not None else ""
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}: {rule.name} takes "
                         f"{', '.join(rule.hyperparameters)}{where}"
                         + (f" takes {', '.join(sorted(accepted))}" if accepted else ""))
    if schedule is not None and "eta" not in rule.hyperparameters:
        raise ValueError(f"{rule.name} has no learning rate eta for a schedule to scale")
    return rule_params, schedule_params


def run_grid(rule: UpdateRule, objective: Objective, *, steps: int = 20,
             start: Sequence[float] | Tensor = (-5.0, -2.0), noise: float = 0.0, seed: int = 0,
             schedule: Callable | None = None, **params) -> Trace:
    r"""Run ``rule`` on ``objective`` for every setting of a grid at once.

    Each keyword in ``params`` is a hyperparameter of ``rule`` or of ``schedule``, given as a
    number (shared by all settings) or as a 1-D sequence with one value per setting. Update
    :math:`t = 1, 2, \ldots` uses the rate :math:`\eta\,\text{schedule}(t - 1)` (a schedule
    counts the updates already taken, from 0, as torch's schedulers do) and, when ``noise`` > 0, the
    gradient plus ``noise`` times standard normal noise drawn from a generator seeded with
    ``seed``; every setting sees the same noise, so the runs differ only by their settings.

    Args:
        rule: an update rule from :mod:`d2l_opt.optimizers`.
        objective: a 2D objective from :mod:`d2l_opt.objectives`.
        steps: number of updates (>= 1).
        start: the starting point, two finite numbers.
        noise: standard deviation of the noise added to each gradient coordinate.
        seed: seed of the noise.
        schedule: a function ``schedule(t, **kw)`` from :mod:`d2l_opt.schedules`, or None.
    Returns:
        A :class:`Trace` with a leading ``settings`` axis.

    Example: ``run_grid(sgd, quadratic, eta=[0.05, 0.1, 0.2]).points.shape`` is
    ``(3, 21, 2)``. Chapter: SGD.
    """
    check_integer("steps", steps, 1)
    x0 = torch.as_tensor(start, dtype=torch.float64)
    if x0.shape != (2,):
        raise ValueError(f"start must be a point of shape (2,), got shape {tuple(x0.shape)}")
    if not torch.isfinite(x0).all():
        raise ValueError(f"start must be finite, got {x0.tolist()}")
    check_nonnegative("noise", noise)
    rule_params, schedule_params = _split_params(rule, schedule, params)

    columns = {k: _as_settings(k, v) for k, v in {**rule_params, **schedule_params}.items()}
    lengths = {k: v.numel() for k, v in columns.items() if v.dim() == 1}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"grid columns must have one length, got {lengths}")
    settings = next(iter(lengths.values()), 1)
    given = {**rule_params, **schedule_params}  # a single value keeps its type (an int stays one)
    as_column = {k: (v[:, None] if v.dim() == 1 else given[k]) for k, v in columns.items()}
    hyper = rule.resolve(**{k: as_column[k] for k in rule_params})
    sched_kw = {k: as_column[k] for k in schedule_params}

    (lo1, hi1), (lo2, hi2) = objective.window
    centre = torch.tensor([(lo1 + hi1) / 2, (lo2 + hi2) / 2], dtype=torch.float64)
    limit = DIVERGENCE_FACTOR * torch.tensor([hi1 - lo1, hi2 - lo2], dtype=torch.float64)
    draws = None
    if noise > 0:
        generator = torch.Generator().manual_seed(seed)
        # One draw per step, so a longer run starts with exactly the noise of a shorter one.
        draws = noise * torch.stack([torch.randn(2, generator=generator, dtype=torch.float64)
                                     for _ in range(steps)])

    x = x0.expand(settings, 2).clone()
    state = rule.init(x)
    points = [x]
    with torch.inference_mode(False), torch.no_grad():
        for t in range(1, steps + 1):
            g = objective.grad(x)
            if draws is not None:
                g = g + draws[t - 1]
            step_hyper = hyper
            if schedule is not None:
                step_hyper = {**hyper, "eta": hyper["eta"] * schedule(t - 1, **sched_kw)}
            x, state = rule.update(x, g, state, **step_hyper)
            points.append(x)
    path, diverged_at = _freeze_diverged(torch.stack(points, dim=1), centre, limit)
    return Trace(path, objective(path), diverged_at)


def _freeze_diverged(path: Tensor, centre: Tensor, limit: Tensor) -> tuple[Tensor, Tensor]:
    """Find where each run first left the region; hold it there from that step on.

    A run's first point outside the region is kept when it is finite (so a plot draws the
    run up to the edge of its window); a point that is no longer finite is replaced by the
    last point before it.
    """
    inside = ((path - centre).abs() <= limit).all(-1)  # NaN compares False: outside
    left = ~inside
    diverged = left.any(-1)
    first = torch.where(diverged, left.to(torch.int8).argmax(-1), -1)
    if not diverged.any():
        return path, first
    steps = torch.arange(path.shape[1])
    finite = torch.isfinite(path).all(-1)
    held = torch.where(finite.gather(1, first.clamp(min=0)[:, None])[:, 0], first, first - 1)
    index = torch.where(diverged[:, None] & (steps > held[:, None]), held[:, None], steps)
    return path.gather(1, index[..., None].expand(-1, -1, 2)), first


def run_trace(rule: UpdateRule, objective: Objective, *, steps: int = 20,
              start: Sequence[float] | Tensor = (-5.0, -2.0), noise: float = 0.0, seed: int = 0,
              schedule: Callable | None = None, **params: float) -> Trace:
    """Run ``rule`` on ``objective`` for one setting; see :func:`run_grid` for the arguments.

    Returns:
        A :class:`Trace` with ``points`` of shape ``(steps + 1, 2)``.

    Example: ``run_trace(sgd, quadratic, eta=0.1).points[-1]`` is close to the minimizer.
    Chapter: SGD.
    """
    for name, value in params.items():
        if torch.as_tensor(value).dim() != 0:
            raise ValueError(f"run_trace takes one value per parameter, got {name}={value!r}; "
                             "use run_grid for a grid")
    grid = run_grid(rule, objective, steps=steps, start=start, noise=noise, seed=seed,
                    schedule=schedule, **params)
    return Trace(grid.points[0], grid.losses[0], grid.diverged_at[0])


def describe(trace: Trace) -> str:
    """One line on where a single run ended: its last point and loss, or where it diverged."""
    k = int(trace.diverged_at)
    if k >= 0:
        return f"diverged at step {k}"
    x1, x2 = trace.points[-1].tolist()
    loss = float(trace.losses[-1])
    return (f"after {len(trace.points) - 1} steps: x = ({x1:.4f}, {x2:.4f}), "
            f"f(x) = {loss:.4g}")


