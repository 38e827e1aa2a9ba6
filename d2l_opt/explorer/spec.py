"""What an explorer shows, shared by its two views, and the one wording of an outcome.

An :class:`Explorer` is one objective (or a drop-down of several), a start point, a number of
steps, gradient noise and one or more *entries*: an update rule with its hyperparameters, each
fixed or a slider ``(lo, hi, step, default)``. The noise level σ may be a slider too, and a
batch-size slider b scales it to σ/√b; these *shared* sliders act on every entry. The entries
either race (each path shown, a legend button hides it) or are alternatives of which a
drop-down shows one (``pick``, e.g. one optimizer under several schedules). Its *state* is
what the reader controls: the objective, the start, the steps, each slider's position and
which paths are hidden. Both views (the
static page, :mod:`.static`, and the live widget, :mod:`.live`) hold that state and draw the
paths it gives; :meth:`Explorer.traces` computes them with :func:`d2l_opt.traces.run_together`.

Every outcome is worded here: :func:`outcome` ("after 20 steps: f(x) = 0.003323", "diverged
at step 7") and :data:`TEMPLATES`, which the page receives in its spec, so the page, the live
view, ``repr`` and :func:`d2l_opt.traces.describe` say the same thing in the same words.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .._validate import check_integer, check_nonnegative
from ..objectives import OBJECTIVES, Objective
from ..optimizers import RULES, UpdateRule
from ..traces import Trace, _split_params, run_together, sequence_params

__all__ = ["Slider", "Entry", "Explorer", "outcome", "TEMPLATES", "SYMBOLS", "JS_RULES",
           "JS_OBJECTIVES",
           "LOSS_DIGITS", "MAX_STEPS", "STEPS_CONTROL_MAX", "has_js_twin"]

#: How each parameter name is written on its slider: the symbol the prose uses.
SYMBOLS = {"eta": "η", "beta": "β", "gamma": "γ", "rho": "ρ", "beta1": "β₁", "beta2": "β₂",
           "eps": "ε", "alpha": "α", "lam": "λ", "noise": "σ", "batch": "b", "power": "p",
           "final": "f", "start_factor": "s₀"}
#: Significant digits of a loss in every readout: the last bits of a float differ from one
#: CPU to another, and a stored output must carry only what it shows.
LOSS_DIGITS = 4
#: The rules the page's engine (assets/engine.js) has a twin of, by name.
JS_RULES = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "yogi")
#: The objectives the page's engine has a twin of, by name.
JS_OBJECTIVES = ("quadratic", "ill_conditioned", "rotated_ill_conditioned", "rosenbrock",
                 "double_well")
#: The steps control goes up to this many steps (or to the explorer's steps, if more).
STEPS_CONTROL_MAX = 200
#: No explorer runs longer than this.
MAX_STEPS = 2000
#: Colours of the paths, in entry order: the book's trace colour first; never the contours'
#: blue, the minimizer's green or the red that marks divergence.
PALETTE = ("#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")
#: Every sentence the views build, as ``str.format`` templates with ``{name}`` fields only
#: (the page fills them with the same names).
TEMPLATES = {
    "converged": "after {steps} steps: f(x) = {loss}",
    "diverged": "diverged at step {step}",
    "setting": "{symbol} = {value}",
    "settings": "{settings}: {outcome}",
    "labelled": "{label} ({settings}): {outcome}",
    "label_only": "{label}: {outcome}",
    "unavailable": "{label}: precomputed on {objective} from ({x1}, {x2}) only",
    "no_twin": ("{label} has no JavaScript twin: the page shows its paths precomputed on "
                "{objective} from ({x1}, {x2}) for up to {steps} steps; in a running "
                "notebook it follows every control."),
    "separator": "; ",
    "all_hidden": "every path is hidden",
    "start": "start point x₁ = {x1}, x₂ = {x2}; arrow keys move it",
    "mark": "step {step}: {values}",
    "mark_value": "{label}: f(x) = {loss}",
    "mark_none": "no step marked; arrow keys mark one",
}


def _g(value: float, digits: int = LOSS_DIGITS) -> str:
    return f"{value:.{digits}g}"


def outcome(steps: int, loss: float, diverged_at: int) -> str:
    """How a run ended, in the book's one wording.

    Args:
        steps: the number of steps run.
        loss: f at the last point (ignored for a diverged run).
        diverged_at: the step at which the run left the region, -1 if it never did.
    Returns:
        ``"after 20 steps: f(x) = 0.003323"`` or ``"diverged at step 7"``.

    Example: ``outcome(20, 0.0033231, -1)``. Chapter: SGD.
    """
    if diverged_at >= 0:
        return TEMPLATES["diverged"].format(step=diverged_at)
    return TEMPLATES["converged"].format(steps=steps, loss=_g(loss))


def has_js_twin(thing: UpdateRule | Objective) -> bool:
    """Whether the page's engine can run a rule or objective: one of the book's, registered
    under its name (a student's own rule, even if named ``sgd``, has none)."""
    if isinstance(thing, Objective):
        return thing.name in JS_OBJECTIVES and OBJECTIVES.get(thing.name) is thing
    return thing.name in JS_RULES and RULES.get(thing.name) is thing


@dataclass(frozen=True)
class Slider:
    """A slider over ``lo, lo + step, ..., hi`` that starts at ``default``."""

    name: str
    lo: float
    hi: float
    step: float
    default: float

    @classmethod
    def parse(cls, name: str, spec, where: str = "", low: float | None = None) -> "Slider":
        label = f"{where}slider {name}"
        if len(spec) != 4:
            raise ValueError(f"{label} must be (lo, hi, step, default), got {spec!r}")
        lo, hi, step, default = (float(v) for v in spec)
        if not lo < hi:
            raise ValueError(f"{label} needs lo < hi, got lo={lo!r}, hi={hi!r}")
        if low is not None and lo < low:
            raise ValueError(f"{label} needs lo >= {low:g}, got lo={lo!r}")
        if not step > 0:
            raise ValueError(f"{label} needs step > 0, got step={step!r}")
        slider = cls(name, lo, hi, step, default)
        if not np.isclose(slider.values, default, rtol=0, atol=step * 1e-6).any():
            raise ValueError(f"{label}: default={default!r} is not one of its values "
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

    @property
    def labels(self) -> list[str]:
        return [_g(v) for v in self.values]


@dataclass(frozen=True)
class Entry:
    """One optimizer of an explorer: a rule, its sliders and fixed values, a schedule."""

    label: str
    rule: UpdateRule
    sliders: tuple[Slider, ...]
    fixed: dict = field(default_factory=dict)
    schedule: Callable | None = None

    @classmethod
    def parse(cls, label: str, rule: UpdateRule, schedule: Callable | None,
              params: dict) -> "Entry":
        if not isinstance(rule, UpdateRule):
            raise ValueError(f"{label}: rule must be an UpdateRule, got {rule!r}")
        where = f"{label}: " if label != rule.name else ""
        # A schedule parameter whose default is a sequence (piecewise_constant's boundaries)
        # is given as one; every other tuple is a slider.
        sequences = sequence_params(schedule)

        def is_slider(k, v):
            return isinstance(v, (tuple, list)) and k not in sequences

        sliders = tuple(Slider.parse(k, v, where) for k, v in params.items() if is_slider(k, v))
        fixed = {k: (tuple(v) if k in sequences else v) for k, v in params.items()
                 if not is_slider(k, v)}
        _split_params(rule, schedule, params)  # names every unknown parameter
        return cls(label, rule, sliders, fixed, schedule)

    def values(self, positions: Sequence[int]) -> dict[str, float]:
        """The slider values at the given slider positions."""
        return {s.name: s.values[i] for s, i in zip(self.sliders, positions)}

    def params(self, positions: Sequence[int]) -> dict[str, float]:
        """Every hyperparameter at the given slider positions, fixed ones included."""
        return {**self.fixed, **self.values(positions)}

    def settings_text(self, positions: Sequence[int]) -> str:
        return ", ".join(TEMPLATES["setting"].format(symbol=s.symbol, value=s.labels[i])
                         for s, i in zip(self.sliders, positions))

    def grid_positions(self) -> list[tuple[int, ...]]:
        """Every combination of slider positions, the last slider fastest."""
        return list(itertools.product(*(range(len(s.values)) for s in self.sliders)))


def _shared_sliders(noise, batch) -> tuple[tuple[Slider, ...], float]:
    """The noise and batch-size sliders given (either may be absent) and the fixed noise (0
    when noise is a slider)."""
    shared = []
    if isinstance(noise, (tuple, list)):
        shared.append(Slider.parse("noise", noise, low=0))
        noise = 0.0
    check_nonnegative("noise", noise)
    if batch is not None:
        if not isinstance(batch, (tuple, list)):
            raise ValueError(f"batch must be a slider (lo, hi, step, default), got {batch!r}")
        if not (shared or noise > 0):
            raise ValueError("batch scales the gradient noise to noise / sqrt(batch): "
                             "give noise > 0 or a noise slider")
        shared.append(Slider.parse("batch", batch, low=1))
    return tuple(shared), float(noise)


class Explorer:
    """Contours with one or more optimizers' paths, a loss panel and controls.

    Build it with :func:`d2l_opt.explorer.explore` (one rule) or
    :func:`d2l_opt.explorer.race` (several); in a notebook it displays itself.
    """

    def __init__(self, entries: Sequence[Entry], objective: Objective, *,
                 objectives: Sequence[Objective] | None = None, steps: int = 20,
                 start=(-5.0, -2.0), noise=0.0, seed: int = 0, batch=None,
                 pick: str | None = None):
        if not entries:
            raise ValueError("an explorer needs at least one optimizer")
        if pick is not None and (not isinstance(pick, str) or not pick or len(entries) < 2):
            raise ValueError(f"pick names what the drop-down chooses (a word such as "
                             f"'schedule') among two or more entries, got pick={pick!r} with "
                             f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
        labels = [e.label for e in entries]
        if len(set(labels)) != len(labels):
            raise ValueError(f"optimizer labels must differ, got {labels}")
        if not isinstance(objective, Objective):
            raise ValueError(f"objective must be an Objective, got {objective!r}")
        offered = [objective] + [o for o in (objectives or ()) if o is not objective]
        for o in offered[1:]:
            if not (isinstance(o, Objective) and has_js_twin(o)):
                raise ValueError(f"objectives offers the book's objectives "
                                 f"({', '.join(JS_OBJECTIVES)}), got {o!r}")
        check_integer("steps", steps, 1, MAX_STEPS)
        shared, noise = _shared_sliders(noise, batch)
        check_integer("seed", seed, 0)
        start = tuple(float(v) for v in start)
        if len(start) != 2 or not all(math.isfinite(v) for v in start):
            raise ValueError(f"start must be two finite numbers, got {start!r}")
        self.entries = tuple(entries)
        self.objective, self.objectives = objective, tuple(offered)
        self.steps, self.start, self.noise, self.seed = steps, start, float(noise), seed
        self.shared, self.pick = shared, pick
        self.max_steps = max(STEPS_CONTROL_MAX, steps)
        self._default_traces = self.traces()  # validates every setting's hyperparameters
        self.live_views: list = []  # the live widgets shown so far (benchmarks read them)

    def objective_named(self, name: str) -> Objective:
        for o in self.objectives:
            if o.name == name:
                return o
        raise ValueError(f"objective {name!r} is not offered; this explorer offers "
                         f"{', '.join(o.name for o in self.objectives)}")

    def shared_slider(self, name: str) -> Slider | None:
        return next((s for s in self.shared if s.name == name), None)

    def noise_at(self, state: dict | None = None) -> float:
        """The standard deviation of the gradient noise in ``state``: the noise slider's value
        (or the fixed ``noise``), divided by the square root of the batch slider's, if any."""
        state = state or self.default_state()
        positions = state.get("shared", [s.index for s in self.shared])  # older states lack it
        values = {s.name: s.values[i] for s, i in zip(self.shared, positions)}
        sigma = values.get("noise", self.noise)
        return sigma / math.sqrt(values["batch"]) if "batch" in values else sigma

    @property
    def max_noise(self) -> float:
        slider = self.shared_slider("noise")
        return slider.hi if slider else self.noise

    def in_engine(self, entry: Entry) -> bool:
        """Whether the page computes ``entry``'s paths (else it embeds a precomputed grid)."""
        return has_js_twin(entry.rule) and has_js_twin(self.objective)

    # --- state ---------------------------------------------------------------------------------
    def default_state(self) -> dict:
        """The controls as the explorer starts: what both views begin with."""
        return {"objective": self.objective.name, "start": list(self.start),
                "steps": self.steps,
                "positions": [[s.index for s in e.sliders] for e in self.entries],
                "shared": [s.index for s in self.shared],
                "hidden": [bool(self.pick) and i > 0 for i in range(len(self.entries))]}

    def traces(self, state: dict | None = None) -> list[Trace]:
        """Every entry's path for ``state`` (the default state if None), by its Python rule
        (all in lockstep, :func:`d2l_opt.traces.run_together`)."""
        state = state or self.default_state()
        return run_together([(e.rule, e.schedule, e.params(p))
                             for e, p in zip(self.entries, state["positions"])],
                            self.objective_named(state["objective"]), steps=int(state["steps"]),
                            start=tuple(state["start"]), noise=self.noise_at(state),
                            seed=self.seed)

    def path_texts(self, state: dict, traces: Sequence[Trace]) -> list[str]:
        """One sentence per entry: its settings and its outcome."""
        texts = []
        for entry, positions, trace in zip(self.entries, state["positions"], traces):
            said = outcome(int(state["steps"]), float(trace.losses[-1]), int(trace.diverged_at))
            texts.append(self._sentence(entry, positions, said))
        return texts

    def _sentence(self, entry: Entry, positions, said: str) -> str:
        settings = entry.settings_text(positions)
        if len(self.entries) == 1:
            return TEMPLATES["settings"].format(settings=settings, outcome=said) if settings \
                else said
        if settings:
            return TEMPLATES["labelled"].format(label=entry.label, settings=settings,
                                                outcome=said)
        return TEMPLATES["label_only"].format(label=entry.label, outcome=said)

    def readout(self, state: dict | None = None, traces: Sequence[Trace] | None = None) -> str:
        """What the readout under the figure says: every shown path's outcome."""
        state = state or self.default_state()
        traces = self.traces(state) if traces is None else traces
        shown = [t for t, hidden in zip(self.path_texts(state, traces), state["hidden"])
                 if not hidden]
        return TEMPLATES["separator"].join(shown) if shown else TEMPLATES["all_hidden"]

    def view_spec(self, mode: str) -> dict:
        """What both views are given: objectives (images), entries (sliders), wording, state."""
        from .backgrounds import objective_view

        entries = []
        for i, e in enumerate(self.entries):
            entries.append({
                "label": e.label, "rule": e.rule.name, "color": PALETTE[i % len(PALETTE)],
                "sliders": [{"name": s.name, "symbol": s.symbol, "values": s.values,
                             "labels": s.labels, "index": s.index,
                             "kind": "rule" if s.name in e.rule.hyperparameters else "schedule"}
                            for s in e.sliders]})
        shared = [{"name": s.name, "symbol": s.symbol, "values": s.values, "labels": s.labels,
                   "index": s.index} for s in self.shared]
        return {"mode": mode, "templates": TEMPLATES, "loss_digits": LOSS_DIGITS,
                "steps_max": self.max_steps, "single": len(self.entries) == 1,
                "shared": shared, "noise": self.noise, "pick": self.pick,
                "objectives": [objective_view(o) for o in self.objectives],
                "entries": entries, "state": self.default_state()}

    # --- rebuilding ----------------------------------------------------------------------------
    def config(self) -> dict:
        """Everything needed to build this explorer again, as plain JSON-ready values."""
        return {"entries": [{"label": e.label, "rule": e.rule.name,
                             "schedule": e.schedule.__name__ if e.schedule else None,
                             "params": {**e.fixed, **{s.name: [s.lo, s.hi, s.step, s.default]
                                                      for s in e.sliders}}}
                            for e in self.entries],
                "objective": self.objective.name,
                "objectives": [o.name for o in self.objectives[1:]],
                "steps": self.steps, "start": list(self.start), "seed": self.seed,
                "noise": self._slider_or("noise", self.noise),
                "batch": self._slider_or("batch", None), "pick": self.pick}

    def _slider_or(self, name: str, value):
        slider = self.shared_slider(name)
        return [slider.lo, slider.hi, slider.step, slider.default] if slider else value

    @classmethod
    def from_config(cls, config: dict) -> "Explorer":
        """The explorer :meth:`config` describes (rules, objectives, schedules by name)."""
        from ..schedules import SCHEDULES

        entries = [Entry.parse(e["label"], RULES[e["rule"]],
                               SCHEDULES[e["schedule"]] if e["schedule"] else None,
                               {k: tuple(v) if isinstance(v, list) else v
                                for k, v in e["params"].items()})
                   for e in config["entries"]]
        noise, batch = config["noise"], config.get("batch")
        return cls(entries, OBJECTIVES[config["objective"]],
                   objectives=[OBJECTIVES[n] for n in config["objectives"]],
                   steps=config["steps"], start=config["start"],
                   noise=tuple(noise) if isinstance(noise, list) else noise,
                   batch=tuple(batch) if batch else None, seed=config["seed"],
                   pick=config.get("pick"))

    # --- text ----------------------------------------------------------------------------------
    def __repr__(self) -> str:
        state = self.default_state()
        names = ", ".join(e.label for e in self.entries)
        start = ", ".join(_g(v) for v in self.start)
        lines = [f"Explorer: {names} on f(x) = {self.objective.formula}, {self.steps} steps "
                 f"from ({start})"]
        if len(self.objectives) > 1:
            lines.append("objectives: " + ", ".join(o.name for o in self.objectives))
        if self.pick:
            lines.append(f"{self.pick}: one of {names}, picked from a drop-down")
        if self.shared:
            scaled = " (noise σ/√b)" if self.shared_slider("batch") else ""
            lines.append("shared: " + ", ".join(self._range(s) for s in self.shared) + scaled)
        elif self.noise > 0:
            lines.append(f"gradient noise σ = {_g(self.noise)}, seed {self.seed}")
        for e in self.entries:
            ranges = ", ".join(self._range(s) for s in e.sliders)
            twin = "" if self.in_engine(e) else " (no JavaScript twin: precomputed in the page)"
            lines.append(f"{e.label}: {ranges or 'no sliders'}{twin}")
        lines.append("default " + self.readout(state, self._default_traces))
        return "\n".join(lines)

    @staticmethod
    def _range(s: Slider) -> str:
        return f"{s.symbol} in [{_g(s.lo)}, {_g(s.hi)}] step {_g(s.step)}"

    # --- views ---------------------------------------------------------------------------------
    def static_html(self) -> str:
        """The kernel-free view; see :mod:`d2l_opt.explorer.static`."""
        from .static import static_html

        return static_html(self)

    def widget(self):
        """The live view; see :mod:`d2l_opt.explorer.live`."""
        from .live import LiveExplorer

        return LiveExplorer(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from ..headless import widgets_enabled

        bundle = {}
        if widgets_enabled():
            self.live_views.append(self.widget())
            bundle = self.live_views[-1]._repr_mimebundle_()
            if isinstance(bundle, tuple):  # (data, metadata)
                bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle.update({"text/plain": repr(self), "text/html": self.static_html()})
        return bundle
