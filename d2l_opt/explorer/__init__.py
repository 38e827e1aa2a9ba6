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

__all__ = ["explore", "race", "Explorer", "Entry", "Slider", "outcome", "TEMPLATES",
           "SYMBOLS", "MAX_EMBED_BYTES", "JS_RULES", "JS_OBJECTIVES", "has_js_twin"]


def explore(rule: UpdateRule, objective: Objective, *, steps: int = 20, start=(-5.0, -2.0),
            noise: float = 0.0, seed: int = 0, schedule: Callable | None = None,
            objectives: Sequence[Objective] | None = None, **params) -> Explorer:
    """Contours of ``objective`` with the path of ``rule``, its loss curve and controls.

    The reader drags (or moves with the arrow keys) the start point, sets the number of steps
    and moves one slider per hyperparameter given as ``(lo, hi, step, default)``; a plain
    number fixes a hyperparameter. ``objectives`` adds a drop-down over further objectives.

    Args:
        rule: an update rule; a rule of the book runs in the page, any other is precomputed
            over its slider values (the page says so) and fully live in a notebook.
        objective, steps, start, noise, seed, schedule: as for :func:`d2l_opt.traces.run_grid`.
        objectives: further objectives of :mod:`d2l_opt.objectives` to choose from.
        params: each hyperparameter of the rule or schedule, a number or a slider tuple.
    Returns:
        An :class:`Explorer`, which displays itself in a notebook.

    Example: ``explore(sgd, quadratic, eta=(0.01, 0.6, 0.01, 0.1))``. Chapter: SGD.
    """
    entry = Entry.parse(rule.name, rule, schedule, params)
    return Explorer([entry], objective, objectives=objectives, steps=steps, start=start,
                    noise=noise, seed=seed)


def race(*, objective: Objective, objectives: Sequence[Objective] | None = None,
         steps: int = 20, start=(-5.0, -2.0), noise: float = 0.0, seed: int = 0,
         **entries: dict) -> Explorer:
    """Several optimizers on one surface, each with its colour, legend entry and sliders.

    Each keyword names an optimizer (its label) and gives a dict of its hyperparameters
    (numbers or ``(lo, hi, step, default)`` sliders), optionally with ``rule=`` (else the
    book's rule of that name) and ``schedule=``. Every optimizer starts from the same point,
    sees the same noise and runs the same number of steps.

    Args:
        objective: the surface, and ``objectives`` further ones for a drop-down.
        steps, start, noise, seed: shared by every optimizer, as in :func:`explore`.
        entries: ``label=dict(rule=..., schedule=..., **params)``, at least one.
    Returns:
        An :class:`Explorer`.

    Example: ``race(gd=dict(rule=sgd, eta=(0.05, 0.7, 0.05, 0.4)),
    momentum=dict(eta=0.6, beta=(0.0, 0.95, 0.05, 0.5)), objective=ill_conditioned)``.
    Chapter: momentum.
    """
    parsed = []
    for label, given in entries.items():
        if not isinstance(given, dict):
            raise ValueError(f"race entry {label} must be a dict of hyperparameters, got "
                             f"{given!r}")
        params = dict(given)
        rule = params.pop("rule", None) or RULES.get(label)
        if rule is None:
            raise ValueError(f"race entry {label} names no rule of the book "
                             f"({', '.join(RULES)}): give rule=...")
        parsed.append(Entry.parse(label, rule, params.pop("schedule", None), params))
    return Explorer(parsed, objective, objectives=objectives, steps=steps, start=start,
                    noise=noise, seed=seed)
