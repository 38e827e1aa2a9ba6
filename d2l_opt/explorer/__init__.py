"""Explorers: an optimizer's path (or a race of several) over contours, with a loss panel,
a draggable start point and controls, static in the rendered book and live in Jupyter.

One concern per module:

* :mod:`.spec`: what an explorer shows (entries, sliders, state), the Python traces of a
  state, and the one wording of outcomes (:func:`outcome`, :data:`TEMPLATES`);
* :mod:`.backgrounds`: the contour image of each objective offered;
* :mod:`.static`: the kernel-free HTML view, whose page engine computes the paths;
* :mod:`.live`: the live widget (anywidget), whose controls drive the Python rule;
* :mod:`.assets`: the JavaScript and CSS both views share (files under ``assets/``).

With no front end (the book build, nbval), only the static view is made; see
:mod:`d2l_opt.headless`.
"""
from __future__ import annotations

from typing import Callable, Sequence

from ..objectives import Objective
from ..optimizers import RULES, UpdateRule
from .spec import (JS_OBJECTIVES, JS_RULES, SYMBOLS, TEMPLATES, Entry, Explorer, Slider,
                   has_js_twin, outcome)
from .static import MAX_EMBED_BYTES

__all__ = ["explore", "race", "choose", "Explorer", "Entry", "Slider", "outcome", "TEMPLATES",
           "SYMBOLS", "MAX_EMBED_BYTES", "JS_RULES", "JS_OBJECTIVES", "has_js_twin"]


def explore(rule: UpdateRule, objective: Objective, *, steps: int = 20, start=(-5.0, -2.0),
            noise=0.0, seed: int = 0, batch=None, schedule: Callable | None = None,
            objectives: Sequence[Objective] | None = None, **params) -> Explorer:
    """Contours of ``objective`` with the path of ``rule``, its loss curve and controls.

    The reader drags (or moves with the arrow keys) the start point, sets the number of steps
    and moves one slider per hyperparameter given as ``(lo, hi, step, default)``; a plain
    number fixes a hyperparameter. ``objectives`` adds a drop-down over further objectives.

    Args:
        rule: an update rule; a rule of the book runs in the page, any other is precomputed
            over its slider values (the page says so) and fully live in a notebook.
        objective, steps, start, seed, schedule: as for :func:`d2l_opt.traces.run_grid`.
        noise: the standard deviation σ of the gradient noise, a number or a slider tuple.
        batch: None, or a slider tuple for a batch size b that scales the noise to σ/√b.
        objectives: further objectives of :mod:`d2l_opt.objectives` to choose from.
        params: each hyperparameter of the rule or schedule, a number or a slider tuple.
    Returns:
        An :class:`Explorer`, which displays itself in a notebook.

    Example: ``explore(sgd, quadratic, eta=(0.01, 0.6, 0.01, 0.1))``;
    ``explore(sgd, quadratic, noise=2.0, batch=(1, 64, 1, 4), eta=...)``. Chapter: SGD.
    """
    entry = Entry.parse(rule.name, rule, schedule, params)
    return Explorer([entry], objective, objectives=objectives, steps=steps, start=start,
                    noise=noise, seed=seed, batch=batch)


def race(*, objective: Objective, objectives: Sequence[Objective] | None = None,
         steps: int = 20, start=(-5.0, -2.0), noise=0.0, seed: int = 0, batch=None,
         **entries: dict) -> Explorer:
    """Several optimizers on one surface, each with its colour, legend entry and sliders.

    Each keyword names an optimizer (its label) and gives a dict of its hyperparameters
    (numbers or ``(lo, hi, step, default)`` sliders), optionally with ``rule=`` (else the
    book's rule of that name) and ``schedule=``. Every optimizer starts from the same point,
    sees the same noise and runs the same number of steps.

    Args:
        objective: the surface, and ``objectives`` further ones for a drop-down.
        steps, start, noise, seed, batch: shared by every optimizer, as in :func:`explore`.
        entries: ``label=dict(rule=..., schedule=..., **params)``, at least one.
    Returns:
        An :class:`Explorer`.

    Example: ``race(gd=dict(rule=sgd, eta=(0.05, 0.7, 0.05, 0.4)),
    momentum=dict(eta=0.6, beta=(0.0, 0.95, 0.05, 0.5)), objective=ill_conditioned)``.
    Chapter: momentum.
    """
    return Explorer(_entries("race", entries), objective, objectives=objectives, steps=steps,
                    start=start, noise=noise, seed=seed, batch=batch)


def choose(pick: str, *, objective: Objective, objectives: Sequence[Objective] | None = None,
           steps: int = 20, start=(-5.0, -2.0), noise=0.0, seed: int = 0, batch=None,
           **entries: dict) -> Explorer:
    """Alternatives on one surface, one shown at a time, picked from a drop-down.

    Entries are given as for :func:`race`; the drop-down, labelled ``pick``, lists their
    labels, and only the chosen entry's path and sliders are shown. One optimizer under
    several learning-rate schedules, each with its own parameters, is the use it was made for.

    Args:
        pick: what the drop-down chooses, its label (e.g. ``"schedule"``).
        objective, objectives, steps, start, noise, seed, batch: as for :func:`race`.
        entries: ``label=dict(rule=..., schedule=..., **params)``, at least two.
    Returns:
        An :class:`Explorer`.

    Example: ``choose("schedule", objective=quadratic, constant=dict(rule=sgd, eta=0.3),
    cosine=dict(rule=sgd, schedule=cosine, total=50, eta=0.3, final=(0, 1, 0.1, 0)))``.
    Chapter: learning-rate schedules.
    """
    return Explorer(_entries("choose", entries), objective, objectives=objectives, steps=steps,
                    start=start, noise=noise, seed=seed, batch=batch, pick=pick)


def _entries(where: str, entries: dict) -> list[Entry]:
    parsed = []
    for label, given in entries.items():
        if not isinstance(given, dict):
            raise ValueError(f"{where} entry {label} must be a dict of hyperparameters, got "
                             f"{given!r}")
        params = dict(given)
        rule = params.pop("rule", None) or RULES.get(label)
        if rule is None:
            raise ValueError(f"{where} entry {label} names no rule of the book "
                             f"({', '.join(RULES)}): give rule=...")
        parsed.append(Entry.parse(label, rule, params.pop("schedule", None), params))
    return parsed
