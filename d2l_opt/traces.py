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

__all__ = ["Trace", "run_trace", "run_grid", "run_together", "describe", "noise_draws",
           "schedule_factor", "sequence_params", "DIVERGENCE_FACTOR", "NOISE_QUANTUM", "FACTOR_QUANTUM"]

#: A run counts as diverged once a coordinate is this many window widths from the window's
#: centre (or is no longer finite). Far enough that no converging run is ever cut short.
DIVERGENCE_FACTOR = 100.0
#: Noise draws are standard normals rounded to multiples of 1 / NOISE_QUANTUM, and schedule
#: factors are rounded to multiples of 1 / FACTOR_QUANTUM. The rounded values are what every
#: run uses, so the page's engine (which is given the integers) computes with exactly the same
#: inputs as Python, and a CPU whose ``randn`` or ``exp`` differs in the last bit still gives
#: the same inputs (a one-ulp change flips a rounding with odds of about 1e-7).
NOISE_QUANTUM = 1_000_000
FACTOR_QUANTUM = 2 ** 30


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
    number (shared by all settings) or as a 1-D sequence with one value per setting (a schedule
    parameter that is itself a sequence, such as ``boundaries``, is passed as given). Update
    :math:`t = 1, 2, \ldots` uses the rate :math:`\eta\,\text{schedule}(t - 1)` (a schedule
    counts the updates already taken, from 0, as torch's schedulers do) and, when ``noise`` > 0, the
    gradient plus ``noise`` times standard normal noise drawn from a generator seeded with
    ``seed``; every setting sees the same noise, so the runs differ only by their settings.

    Both inputs are quantized: the noise of step :math:`t` is ``noise * (k / 1e6)`` with the
    integers ``k`` of :func:`noise_draws`, and the schedule factor is rounded to a multiple of
    :math:`2^{-30}` by :func:`schedule_factor`. The book's page engine is given exactly these
    integers, so its paths equal these ones, and no result depends on the last bits of a
    CPU's ``randn`` or ``exp``.

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
    (trace,) = _rollout([_prepare(rule, schedule, params)], objective, steps=steps,
                        start=start, noise=noise, seed=seed)
    return trace


class _Run(NamedTuple):
    """One rule with its hyperparameters resolved (floats, or ``(settings, 1)`` columns)."""

    rule: UpdateRule
    hyper: dict
    schedule: Callable | None
    schedule_kw: dict
    settings: int


def sequence_params(schedule: Callable | None) -> set[str]:
    """The parameters of ``schedule`` that take a sequence (``piecewise_constant``'s
    ``boundaries``): passed to it as given, never a grid column."""
    if schedule is None:
        return set()
    return {p.name for p in inspect.signature(schedule).parameters.values()
            if isinstance(p.default, (tuple, list))}


def _prepare(rule: UpdateRule, schedule: Callable | None, params: dict) -> _Run:
    rule_params, schedule_params = _split_params(rule, schedule, params)
    sequences = {k: tuple(schedule_params.pop(k)) for k in sequence_params(schedule)
                 if k in schedule_params}
    columns = {k: _as_settings(k, v) for k, v in {**rule_params, **schedule_params}.items()}
    lengths = {k: v.numel() for k, v in columns.items() if v.dim() == 1}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"grid columns must have one length, got {lengths}")
    given = {**rule_params, **schedule_params}  # a single value keeps its type (an int stays one)
    as_column = {k: (v[:, None] if v.dim() == 1 else given[k]) for k, v in columns.items()}
    return _Run(rule, rule.resolve(**{k: as_column[k] for k in rule_params}), schedule,
                {**sequences, **{k: as_column[k] for k in schedule_params}},
                next(iter(lengths.values()), 1))


def _rollout(runs: Sequence[_Run], objective: Objective, *, steps: int, start, noise: float,
             seed: int) -> list[Trace]:
    """The one loop: every run in lockstep, one gradient call per step for all of them."""
    check_integer("steps", steps, 1)
    x0 = torch.as_tensor(start, dtype=torch.float64)
    if x0.shape != (2,):
        raise ValueError(f"start must be a point of shape (2,), got shape {tuple(x0.shape)}")
    if not torch.isfinite(x0).all():
        raise ValueError(f"start must be finite, got {x0.tolist()}")
    check_nonnegative("noise", noise)
    (lo1, hi1), (lo2, hi2) = objective.window
    centre = torch.tensor([(lo1 + hi1) / 2, (lo2 + hi2) / 2], dtype=torch.float64)
    limit = DIVERGENCE_FACTOR * torch.tensor([hi1 - lo1, hi2 - lo2], dtype=torch.float64)
    draws = None
    if noise > 0:
        draws = noise * (noise_draws(steps, seed).to(torch.float64) / NOISE_QUANTUM)

    xs = [x0.expand(run.settings, 2).clone() for run in runs]
    states = [run.rule.init(x) for run, x in zip(runs, xs)]
    points = [[x] for x in xs]
    sizes = [run.settings for run in runs]
    with torch.inference_mode(False), torch.no_grad():
        for t in range(1, steps + 1):
            grads = objective.grad(torch.cat(xs)) if len(xs) > 1 else objective.grad(xs[0])
            if draws is not None:
                grads = grads + draws[t - 1]
            for i, (run, g) in enumerate(zip(runs, torch.split(grads, sizes))):
                hyper = run.hyper
                if run.schedule is not None:
                    hyper = {**hyper, "eta": hyper["eta"] * schedule_factor(
                        run.schedule, t - 1, **run.schedule_kw)}
                xs[i], states[i] = run.rule.update(xs[i], g, states[i], **hyper)
                points[i].append(xs[i])
    traces = []
    for path in points:
        frozen, diverged_at = _freeze_diverged(torch.stack(path, dim=1), centre, limit)
        traces.append(Trace(frozen, objective(frozen), diverged_at))
    return traces


def run_together(runs: Sequence[tuple[UpdateRule, Callable | None, dict]],
                 objective: Objective, *, steps: int = 20,
                 start: Sequence[float] | Tensor = (-5.0, -2.0), noise: float = 0.0,
                 seed: int = 0) -> list[Trace]:
    """Several rules from one start, in lockstep: what :func:`run_trace` gives for each.

    One gradient call per step serves every rule (the costly part of a short 2D run), so a
    race of several optimizers reruns about as fast as one.

    Args:
        runs: ``(rule, schedule, params)`` for each run, with one value per parameter.
        objective, steps, start, noise, seed: shared by every run, as in :func:`run_grid`.
    Returns:
        One :class:`Trace` per run, as :func:`run_trace` returns it.

    Example: ``run_together([(sgd, None, {"eta": 0.1}), (adam, None, {"eta": 0.1})],
    quadratic)``. Chapter: momentum.
    """
    prepared = []
    for rule, schedule, params in runs:
        for name, value in params.items():
            if name not in sequence_params(schedule) and torch.as_tensor(value).dim() != 0:
                raise ValueError(f"run_together takes one value per parameter, got "
                                 f"{name}={value!r}")
        prepared.append(_prepare(rule, schedule, params))
    traces = _rollout(prepared, objective, steps=steps, start=start, noise=noise, seed=seed)
    return [Trace(t.points[0], t.losses[0], t.diverged_at[0]) for t in traces]


def noise_draws(steps: int, seed: int) -> Tensor:
    """The integers ``k`` of the gradient noise: step ``t`` adds ``noise * k[t - 1] / 1e6``.

    Standard normals from a generator seeded with ``seed``, one pair per step (so a longer run
    starts with exactly the noise of a shorter one), rounded to multiples of 1e-6.

    Returns:
        An int64 tensor of shape ``(steps, 2)``.

    Example: ``noise_draws(3, seed=0).shape`` is ``(3, 2)``. Chapter: SGD.
    """
    check_integer("steps", steps, 1)
    generator = torch.Generator().manual_seed(seed)
    normals = torch.stack([torch.randn(2, generator=generator, dtype=torch.float64)
                           for _ in range(steps)])
    return torch.round(normals * NOISE_QUANTUM).to(torch.int64)


def schedule_factor(schedule: Callable, t: int, **params):
    """``schedule(t, **params)`` rounded to a multiple of 2^-30 (a float, or a tensor for a
    grid of schedule parameters).

    Example: ``schedule_factor(exponential, 10, lam=0.1) * 2**30`` is an integer. Chapter: SGD.
    """
    factor = schedule(t, **params)
    if isinstance(factor, Tensor):
        return torch.round(factor * FACTOR_QUANTUM) / FACTOR_QUANTUM
    return round(float(factor) * FACTOR_QUANTUM) / FACTOR_QUANTUM


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
        if name not in sequence_params(schedule) and torch.as_tensor(value).dim() != 0:
            raise ValueError(f"run_trace takes one value per parameter, got {name}={value!r}; "
                             "use run_grid for a grid")
    grid = run_grid(rule, objective, steps=steps, start=start, noise=noise, seed=seed,
                    schedule=schedule, **params)
    return Trace(grid.points[0], grid.losses[0], grid.diverged_at[0])


def describe(trace: Trace) -> str:
    """One line on how a single run ended, worded by :func:`d2l_opt.explorer.outcome` (the
    one wording the explorers, their readouts and the chapters share).

    Example: ``describe(run_trace(sgd, quadratic, eta=0.6))`` is ``"diverged at step 1"``.
    """
    from .explorer.spec import outcome  # the wording lives with the explorer's spec

    return outcome(len(trace.points) - 1, float(trace.losses[-1]), int(trace.diverged_at))


