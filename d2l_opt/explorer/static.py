"""The kernel-free view: the explorer as HTML that runs in the rendered book, from disk.

The page gets the view spec (:meth:`Explorer.view_spec`) plus what its engine needs to
compute every path itself (assets/engine.js): each rule's fixed hyperparameters, the noise
draws and schedule factors as the integers :mod:`d2l_opt.traces` rounds them to, and, for an
entry the engine cannot run (a rule or objective without a JavaScript twin), a grid of paths
precomputed over its slider values at the explorer's start, with a note that says so. Every
number embedded is an integer or a short decimal, so the stored output is the same on every
machine.
"""
from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json

import numpy as np

from ..traces import (DIVERGENCE_FACTOR, FACTOR_QUANTUM, _split_params, noise_draws,
                      run_grid, schedule_factor)
from . import assets
from .spec import LOSS_DIGITS, TEMPLATES, Entry, Explorer, _g

__all__ = ["static_html", "page_spec", "MAX_EMBED_BYTES", "SCALE", "OFFSET"]

#: Upper bound on the precomputed grid one explorer embeds (keeps a chapter page under 2 MB).
MAX_EMBED_BYTES = 600_000
#: Quantization of precomputed points: a point is stored as round(u * SCALE + 1/3), u its
#: position in the window from 0 to 1 along each axis (int16 holds up to four windows away).
#: The offset of 1/3 keeps short decimal and short binary iterates off rounding ties, which
#: the last bit of the arithmetic would decide differently on different CPUs.
SCALE = 8192
OFFSET = (1, 3)


_DTYPES = {"int16": "<i2", "int32": "<i4"}


def _blob(array, dtype: str) -> dict[str, str]:
    """Integers packed little-endian and base64-encoded, tagged with their type."""
    values = np.asarray(array)
    info = np.iinfo(_DTYPES[dtype])
    if values.size and (values.min() < info.min or values.max() > info.max):
        raise ValueError(f"values out of the range of {dtype}")
    data = np.ascontiguousarray(values, dtype=_DTYPES[dtype])
    return {dtype: base64.b64encode(data.tobytes()).decode("ascii")}


def _schedule_factors(explorer: Explorer, entry: Entry) -> dict | None:
    """The rounded schedule factors of every combination of the entry's schedule sliders."""
    if entry.schedule is None:
        return None
    rule_fixed, schedule_fixed = _split_params(entry.rule, entry.schedule, entry.fixed)
    sliders = [s for s in entry.sliders if s.name not in entry.rule.hyperparameters]
    rows = []
    for values in itertools.product(*(s.values for s in sliders)):
        kw = {**schedule_fixed, **{s.name: v for s, v in zip(sliders, values)}}
        rows.append([schedule_factor(entry.schedule, t - 1, **kw) * FACTOR_QUANTUM
                     for t in range(1, explorer.max_steps + 1)])
    factors = np.array(rows)
    if not (np.all(factors >= 0) and np.all(factors < 2 ** 31)):
        raise ValueError(f"{entry.label}: the schedule {entry.schedule.__name__} must give "
                         f"factors in [0, 2), got up to {factors.max() / FACTOR_QUANTUM:g}")
    return {"sliders": [s.name for s in sliders], "factors": _blob(factors.astype(np.int64), "int32")}


def _grid(explorer: Explorer, entry: Entry) -> dict:
    """Paths precomputed over the entry's slider values, for a rule the page cannot run (at
    the shared sliders' defaults: the page says they are unavailable elsewhere)."""
    positions = entry.grid_positions()
    settings = len(positions)
    size = settings * ((explorer.steps + 1) * (4 + 2 * 9) + 6) * 4 // 3
    if size > MAX_EMBED_BYTES:
        raise ValueError(f"{entry.label} has no JavaScript twin, so the page embeds its paths: "
                         f"{settings} settings x {explorer.steps} steps would embed "
                         f"{size // 1000} kB, over the budget of {MAX_EMBED_BYTES // 1000} kB; "
                         f"use fewer slider values or steps")
    columns = list(zip(*positions)) if entry.sliders else []
    grid_params = {s.name: [s.values[i] for i in column]
                   for s, column in zip(entry.sliders, columns)}
    grid = run_grid(entry.rule, explorer.objective, steps=explorer.steps, start=explorer.start,
                    noise=explorer.noise_at(), seed=explorer.seed, schedule=entry.schedule,
                    **entry.fixed, **grid_params)
    (lo1, hi1), (lo2, hi2) = explorer.objective.window
    lo, span = np.array([lo1, lo2]), np.array([hi1 - lo1, hi2 - lo2])
    unit = (grid.points.numpy() - lo) / span
    scaled = np.clip(np.round(unit * SCALE + OFFSET[0] / OFFSET[1]), -32768, 32767)
    losses = [[float(_g(v, LOSS_DIGITS)) if np.isfinite(v) else None for v in row]
              for row in grid.losses.tolist()]
    return {"objective": explorer.objective.name, "steps": explorer.steps,
            "scale": SCALE, "offset": OFFSET, "points": _blob(scaled.astype(np.int64), "int16"),
            "diverged": _blob(grid.diverged_at.numpy(), "int16"), "losses": losses}


def page_spec(explorer: Explorer, uid: str) -> dict:
    """The view spec with everything the page's engine needs."""
    spec = explorer.view_spec("static")
    spec.update({"id": uid, "config": explorer.config(), "divergence": DIVERGENCE_FACTOR,
                 "draws": (_blob(noise_draws(explorer.max_steps, explorer.seed).numpy(), "int32")
                           if explorer.max_noise > 0 else None)})
    x1, x2 = (_g(v) for v in explorer.start)
    for view, entry in zip(spec["entries"], explorer.entries):
        rule_fixed, _ = _split_params(entry.rule, entry.schedule, entry.fixed)
        view["hyper"] = {k: float(v) for k, v in {**entry.rule.defaults, **rule_fixed}.items()}
        view["engine"] = explorer.in_engine(entry)
        view["schedule"] = _schedule_factors(explorer, entry) if view["engine"] else None
        view["grid"] = None if view["engine"] else _grid(explorer, entry)
        view["note"] = None if view["engine"] else TEMPLATES["no_twin"].format(
            label=entry.label, objective=explorer.objective.name, x1=x1, x2=x2,
            steps=explorer.steps)
    return spec


def static_html(explorer: Explorer) -> str:
    """The explorer as one self-contained HTML fragment (no kernel, no network)."""
    readout = explorer.readout(traces=explorer._default_traces)
    uid = "d2l-explorer-" + hashlib.sha1(
        (json.dumps(explorer.config(), sort_keys=True) + readout).encode()).hexdigest()[:10]
    data = json.dumps(page_spec(explorer, uid), ensure_ascii=False).replace("</", "<\\/")
    return (f'<div class="d2l-explorer" id="{uid}">'
            f'<style>{assets.css()}</style>'
            f'<script type="application/json" id="{uid}-data">{data}</script>'
            f'<div class="d2l-lab-mount"><p class="d2l-lab-readout">{html.escape(readout)}</p>'
            f'</div><script>{assets.inline_script(uid)}</script></div>')
