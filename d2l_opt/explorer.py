"""Sliders over 2D optimizer traces, live in Jupyter and static in the rendered book.

``explore(rule, objective, eta=(lo, hi, step, default), ...)`` shows the contours of
``objective``, the path of ``rule`` from ``start`` and one slider per hyperparameter given as a
``(lo, hi, step, default)`` tuple; a plain number fixes a hyperparameter. The object displays
itself with two views in one output:

* ``text/html``: every slider combination is computed up front in one vectorized call of
  :func:`d2l_opt.traces.run_grid`, embedded compactly, and a few lines of inline script swap
  the drawn path as a slider moves. It needs no kernel and no network.
* a live ipywidgets view (only where a front end may show it): moving a slider reruns the
  update rule and redraws the path in place.

With no front end (the book build, nbval), only the static view is made; see
:mod:`d2l_opt.book` for why.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import plotting
from .headless import widgets_enabled
from .objectives import Objective
from .optimizers import UpdateRule
from .traces import Trace, describe, run_grid, run_trace

__all__ = ["Slider", "Explorer", "explore", "SYMBOLS", "MAX_EMBED_BYTES"]

#: How each parameter name is written on its slider: the symbol the prose uses.
SYMBOLS = {"eta": "η", "beta": "β", "gamma": "γ", "rho": "ρ", "beta1": "β₁", "beta2": "β₂",
           "eps": "ε", "alpha": "α", "lam": "λ"}
#: Upper bound on the data one explorer embeds in a page (keeps a chapter page under 2 MB).
MAX_EMBED_BYTES = 600_000
#: Quantization of embedded points: a point is stored as round(u * SCALE + 1/3), u its
#: position in the window from 0 to 1 along each axis (int16 holds up to four windows away).
#: Rounding decides a tie by the last bit of the arithmetic, which differs between CPUs, so
#: the grid keeps the book's iterates off ties. Iterates are often short decimals (x = -0.991
#: after three steps of η = 0.05 from an integer start) or short binary fractions (η = 0.5,
#: β = 0.75), and with SCALE = 10 000, or a power of two, or an offset of 0.1, some landed on
#: x.5. An offset of 1/3 is neither, so neither kind can reach a tie.
SCALE = 8192
OFFSET = (1, 3)  # numerator and denominator, so the page computes the same 1/3
FIGSIZE = (4.8, 3.4)
DPI = 100


@dataclass(frozen=True)
class Slider:
    """A slider over ``lo, lo + step, ..., hi`` that starts at ``default``."""

    name: str
    lo: float
    hi: float
    step: float
    default: float

    @classmethod
    def parse(cls, name: str, spec) -> "Slider":
        if len(spec) != 4:
            raise ValueError(f"slider {name} must be (lo, hi, step, default), got {spec!r}")
        lo, hi, step, default = (float(v) for v in spec)
        if not lo < hi:
            raise ValueError(f"slider {name} needs lo < hi, got lo={lo!r}, hi={hi!r}")
        if not step > 0:
            raise ValueError(f"slider {name} needs step > 0, got step={step!r}")
        slider = cls(name, lo, hi, step, default)
        if not np.isclose(slider.values, default, rtol=0, atol=step * 1e-6).any():
            raise ValueError(f"slider {name}: default={default!r} is not one of its values "
                             f"{lo!r}, {lo + step!r}, ... {hi!r}")
        return slider

    @property
    def values(self) -> list[float]:
        count = int(round((self.hi - self.lo) / self.step)) + 1
        return [round(self.lo + i * self.step, 10) for i in range(count)]

    @property
    def index(self) -> int:
        return int(np.argmin(np.abs(np.array(self.values) - self.default)))

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.name, self.name)


def _label(value: float) -> str:
    return f"{value:.4g}"


#: Significant digits of a loss in the readout, and so in the page: the last bits of a float
#: differ from one CPU to another, and a stored output must carry only what it shows.
LOSS_DIGITS = 4


def _loss_text(value: float) -> str:
    return f"{value:.{LOSS_DIGITS}g}"


def _shown_losses(losses: np.ndarray, diverged_at: np.ndarray) -> list[float | None]:
    """Each final loss rounded to the digits the readout prints; None for a diverged run,
    whose readout names the step instead."""
    return [None if k >= 0 else float(_loss_text(v))
            for v, k in zip(losses.tolist(), diverged_at.tolist())]


def _int16_blob(array: np.ndarray) -> dict[str, str]:
    """Integers packed little-endian and base64-encoded, tagged with their type."""
    data = np.ascontiguousarray(array, dtype="<i2").tobytes()
    return {"int16": base64.b64encode(data).decode("ascii")}


class Explorer:
    """Contours of an objective with an optimizer's path and sliders; see :func:`explore`."""

    def __init__(self, rule: UpdateRule, objective: Objective, *, steps: int = 20,
                 start=(-5.0, -2.0), noise: float = 0.0, seed: int = 0,
                 schedule: Callable | None = None, **params):
        self.rule, self.objective, self.schedule = rule, objective, schedule
        self.run = dict(steps=steps, start=tuple(float(v) for v in start), noise=noise,
                        seed=seed, schedule=schedule)
        self.sliders = [Slider.parse(k, v) for k, v in params.items() if isinstance(v, tuple)]
        if not self.sliders:
            raise ValueError("explore needs at least one slider, e.g. eta=(0.01, 0.5, 0.01, 0.1)")
        self.fixed = {k: v for k, v in params.items() if not isinstance(v, tuple)}
        settings = int(np.prod([len(s.values) for s in self.sliders]))
        size = settings * ((steps + 1) * 4 + 6) * 4 // 3
        if size > MAX_EMBED_BYTES:
            raise ValueError(f"a grid of {settings} settings x {steps} steps would embed "
                             f"{size // 1000} kB in the page, over the budget of "
                             f"{MAX_EMBED_BYTES // 1000} kB: use fewer slider values or steps")
        columns = list(zip(*itertools.product(*(s.values for s in self.sliders))))
        self.grid = run_grid(rule, objective, **self.run, **self.fixed,
                             **{s.name: list(c) for s, c in zip(self.sliders, columns)})
        self.default_index = self.flat_index([s.index for s in self.sliders])

    def config(self) -> dict:
        """Everything needed to build this explorer again, as plain JSON-ready values."""
        params = {s.name: [s.lo, s.hi, s.step, s.default] for s in self.sliders}
        return {"rule": self.rule.name, "objective": self.objective.name,
                "schedule": self.schedule.__name__ if self.schedule else None,
                **{k: v for k, v in self.run.items() if k != "schedule"},
                "params": {**self.fixed, **params}}

    @classmethod
    def from_config(cls, config: dict) -> "Explorer":
        """The explorer :meth:`config` describes (rules, objectives and schedules by name)."""
        from .objectives import OBJECTIVES
        from .optimizers import RULES
        from .schedules import SCHEDULES

        params = {k: tuple(v) if isinstance(v, list) else v for k, v in config["params"].items()}
        schedule = SCHEDULES[config["schedule"]] if config["schedule"] else None
        return cls(RULES[config["rule"]], OBJECTIVES[config["objective"]],
                   steps=config["steps"], start=config["start"], noise=config["noise"],
                   seed=config["seed"], schedule=schedule, **params)

    # --- computing -----------------------------------------------------------------------------
    def flat_index(self, indices: list[int]) -> int:
        """Position in the grid of the setting with the given slider positions."""
        flat = 0
        for slider, i in zip(self.sliders, indices):
            flat = flat * len(slider.values) + i
        return flat

    def setting(self, flat: int) -> dict[str, float]:
        """The slider values of grid position ``flat``."""
        values = {}
        for slider in reversed(self.sliders):
            flat, i = divmod(flat, len(slider.values))
            values[slider.name] = slider.values[i]
        return {s.name: values[s.name] for s in self.sliders}

    def trace(self, **values: float) -> Trace:
        """The path at one setting, computed afresh by the update rule."""
        return run_trace(self.rule, self.objective, **self.run, **self.fixed, **values)

    def readout(self, values: dict[str, float], trace: Trace) -> str:
        """What both views print under the figure, e.g. ``η = 0.1: after 20 steps: f(x) = 0.003323``."""
        settings = ", ".join(f"{SYMBOLS.get(k, k)} = {_label(v)}" for k, v in values.items())
        k = int(trace.diverged_at)
        result = (f"diverged at step {k}" if k >= 0 else
                  f"after {self.run['steps']} steps: f(x) = {_loss_text(float(trace.losses[-1]))}")
        return f"{settings}: {result}"

    def __repr__(self) -> str:
        s = self.sliders
        ranges = ", ".join(f"{x.symbol} in [{_label(x.lo)}, {_label(x.hi)}] step "
                           f"{_label(x.step)}" for x in s)
        default = self.setting(self.default_index)
        trace = self.trace(**default)
        diverged = int((self.grid.diverged_at >= 0).sum())
        return (f"Explorer: {self.rule.name} on f(x) = {self.objective.formula}, "
                f"{self.run['steps']} steps from {self.run['start']}\n"
                f"sliders: {ranges} ({len(self.grid.diverged_at)} settings, "
                f"{diverged} diverge)\n"
                f"default {self.readout(default, trace)}; {describe(trace)}")

    # --- drawing -------------------------------------------------------------------------------
    def _draw_base(self):
        """The figure both views share: contours, labels, and an (initially empty) path."""
        fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        plotting.plot_contour(ax, self.objective)
        ax.set_title(f"{self.rule.name}: $f(\\mathbf{{x}}) = {self.objective.formula}$",
                     fontsize=10)
        canvas.draw()
        return fig, canvas, ax

    def static_html(self) -> str:
        """The kernel-free view: background image, SVG path, range inputs, inline script."""
        fig, canvas, ax = self._draw_base()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        width, height = (int(round(v)) for v in fig.bbox.size)
        bbox = ax.get_window_extent()
        axes = [round(bbox.x0, 2), round(height - bbox.y1, 2), round(bbox.width, 2),
                round(bbox.height, 2)]
        (lo1, hi1), (lo2, hi2) = self.objective.window
        lo, span = np.array([lo1, lo2]), np.array([hi1 - lo1, hi2 - lo2])
        unit = (self.grid.points.numpy() - lo) / span
        scaled = np.clip(np.round(unit * SCALE + OFFSET[0] / OFFSET[1]), -32768, 32767)
        uid = "d2l-explorer-" + hashlib.sha1(repr(self).encode()).hexdigest()[:10]
        strides = [int(np.prod([len(t.values) for t in self.sliders[j + 1:]]))
                   for j in range(len(self.sliders))]
        spec = {"config": self.config(), "steps": self.run["steps"], "scale": SCALE,
                "offset": OFFSET, "axes": axes,
                "points": _int16_blob(scaled),
                "final_losses": _shown_losses(self.grid.losses[:, -1].numpy(),
                                              self.grid.diverged_at.numpy()),
                "diverged": _int16_blob(self.grid.diverged_at.numpy()),
                "sliders": [{"id": f"{uid}-{s.name}", "symbol": s.symbol, "stride": stride,
                             "labels": [_label(v) for v in s.values]}
                            for s, stride in zip(self.sliders, strides)]}
        controls = "".join(
            f'<div style="display:flex;align-items:center;gap:0.5em;margin:0.15em 0">'
            f'<label for="{uid}-{s.name}" style="min-width:2em">{s.symbol}</label>'
            f'<input type="range" id="{uid}-{s.name}" min="0" max="{len(s.values) - 1}" '
            f'step="1" value="{s.index}" aria-valuetext="{s.symbol} = {_label(s.default)}" '
            f'style="flex:1;max-width:22em">'
            f'<output id="{uid}-{s.name}-value" for="{uid}-{s.name}">{_label(s.default)}'
            f'</output></div>' for s in self.sliders)
        color, dot = plotting.COLORS["trace"], 2.5 * DPI / 72
        default = self.setting(self.default_index)
        script = resources.files("d2l_opt").joinpath("static/explorer.js").read_text()
        alt = html.escape(f"Contour plot of f(x) = {self.objective.formula} with the path "
                          f"of {self.rule.name}", quote=True)
        return (
            f'<div class="d2l-explorer" id="{uid}" style="max-width:{width}px;margin:0.5em 0">'
            f'{controls}<div style="position:relative;width:100%">'
            f'<img src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}" '
            f'alt="{alt}" style="width:100%;display:block;margin:0">'
            f'<svg viewBox="0 0 {width} {height}" aria-hidden="true" '
            f'style="position:absolute;left:0;top:0;width:100%;height:100%">'
            f'<defs><clipPath id="{uid}-clip"><rect x="{axes[0]}" y="{axes[1]}" '
            f'width="{axes[2]}" height="{axes[3]}"/></clipPath>'
            f'<marker id="{uid}-dot" viewBox="0 0 10 10" refX="5" refY="5" '
            f'markerUnits="userSpaceOnUse" markerWidth="{dot:.2f}" markerHeight="{dot:.2f}">'
            f'<circle cx="5" cy="5" r="5" fill="{color}"/></marker></defs>'
            f'<g clip-path="url(#{uid}-clip)"><path id="{uid}-path" d="" fill="none" '
            f'stroke="{color}" stroke-width="{1.2 * DPI / 72:.2f}" '
            f'marker-start="url(#{uid}-dot)" marker-mid="url(#{uid}-dot)" '
            f'marker-end="url(#{uid}-dot)"/></g>'
            f'<text id="{uid}-diverged" x="{axes[0] + 0.03 * axes[2]:.1f}" '
            f'y="{axes[1] + 0.05 * axes[3] + 9:.1f}" fill="{plotting.COLORS["diverged"]}" '
            f'font-size="12" font-family="sans-serif"></text></svg></div>'
            f'<p id="{uid}-readout" aria-live="polite" style="margin:0.2em 0;font-size:0.9em">'
            f'{html.escape(self.readout(default, self.trace(**default)))}</p>'
            f'<script type="application/json" id="{uid}-data">{json.dumps(spec)}</script>'
            f'<script>{script.replace("__ID__", uid)}</script></div>')

    def widget(self):
        """The live view: sliders that rerun the rule and redraw the path in place."""
        import ipywidgets as widgets
        from PIL import Image

        fig, canvas, ax = self._draw_base()
        background = canvas.copy_from_bbox(fig.bbox)
        line = plotting.plot_path(ax, self.grid._replace(
            points=self.grid.points[0], diverged_at=self.grid.diverged_at[0]))
        badge = ax.text(0.03, 0.95, "", transform=ax.transAxes, va="top", fontsize=9,
                        color=plotting.COLORS["diverged"])
        width = int(round(fig.bbox.width))  # shown at its own size, as the static view is
        image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        readout = widgets.Label()
        sliders = [widgets.SelectionSlider(options=[(_label(v), v) for v in s.values],
                                           value=s.values[s.index], description=s.symbol,
                                           continuous_update=True) for s in self.sliders]

        def render() -> Image.Image:
            canvas.restore_region(background)
            ax.draw_artist(line)
            ax.draw_artist(badge)
            return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                    "raw", "RGBA", 0, 1).convert("RGB")

        # A fixed palette taken from the figure once makes each frame a small, fast PNG.
        badge.set_text("diverged at step 0")
        palette = render().quantize(256)

        def redraw(change=None):
            values = {s.name: w.value for s, w in zip(self.sliders, sliders)}
            trace = self.trace(**values)
            k = int(trace.diverged_at)
            visible = trace.points[: k + 1] if k >= 0 else trace.points
            line.set_data(visible[:, 0].numpy(), visible[:, 1].numpy())
            badge.set_text(f"diverged at step {k}" if k >= 0 else "")
            png = io.BytesIO()
            render().quantize(palette=palette, dither=Image.Dither.NONE).save(
                png, format="png", compress_level=1)
            image.value = png.getvalue()
            readout.value = self.readout(values, trace)

        for w in sliders:
            w.observe(redraw, names="value")
        redraw()
        box = widgets.VBox([*sliders, image, readout])
        box.redraw = redraw  # for benchmarks: one full slider-change callback
        box.sliders = sliders
        return box

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_() if widgets_enabled() else {}
        bundle.update({"text/plain": repr(self), "text/html": self.static_html()})
        return bundle


def explore(rule: UpdateRule, objective: Objective, *, steps: int = 20, start=(-5.0, -2.0),
            noise: float = 0.0, seed: int = 0, schedule: Callable | None = None,
            **params) -> Explorer:
    """Contours of ``objective`` with the path of ``rule`` and a slider per hyperparameter.

    Args:
        rule, objective, steps, start, noise, seed, schedule: as for
            :func:`d2l_opt.traces.run_grid`.
        params: each hyperparameter of the rule or schedule, as a number (fixed) or a slider
            ``(lo, hi, step, default)``.
    Returns:
        An :class:`Explorer`, which displays itself in a notebook.

    Example: ``explore(sgd, quadratic, eta=(0.01, 0.6, 0.01, 0.1))``. Chapter: SGD.
    """
    return Explorer(rule, objective, steps=steps, start=start, noise=noise, seed=seed,
                    schedule=schedule, **params)
