"""The live view: an anywidget whose controls drive the Python rule object it was given.

It runs the same front end as the static page (assets/lab.js), given the kernel's model:
when the reader moves a slider, drags the start, picks an objective or a step count, the
front end sets ``state``; :meth:`LiveExplorer._recompute` reruns each changed optimizer with
:func:`d2l_opt.traces.run_together` and sets ``paths`` and ``readout``, which the front end
draws. So a student's own update rule is explored exactly like the book's. The widget is an
ipywidgets ``DOMWidget``: ``state`` can be observed or linked like any widget trait.
"""
from __future__ import annotations

import math
import time

import anywidget
import traitlets

from ..traces import run_together
from . import assets
from .spec import Explorer

__all__ = ["LiveExplorer"]


def _finite(values) -> list:
    return [v if math.isfinite(v) else None for v in values]


class LiveExplorer(anywidget.AnyWidget):
    """The live widget of an :class:`~d2l_opt.explorer.spec.Explorer`."""

    _esm = assets.esm()
    _css = assets.css()
    spec = traitlets.Dict().tag(sync=True)
    state = traitlets.Dict().tag(sync=True)
    paths = traitlets.List().tag(sync=True)
    readout = traitlets.Unicode().tag(sync=True)

    def __init__(self, explorer: Explorer):
        self.explorer = explorer
        self.callback_ms: list[float] = []  # how long each recomputation took (benchmarks)
        self._cache: dict = {}
        super().__init__(spec=explorer.view_spec("live"), state=explorer.default_state())
        self._recompute()
        self.observe(self._recompute, names="state")

    def _traces(self, state: dict) -> list:
        """Every entry's trace for ``state``; only entries whose inputs changed are rerun
        (together, one gradient call per step)."""
        noise = self.explorer.noise_at(state)
        keys = [(state["objective"], tuple(state["start"]), int(state["steps"]), noise,
                 tuple(positions)) for positions in state["positions"]]
        stale = [i for i, key in enumerate(keys) if (i, key) not in self._cache]
        if stale:
            if len(self._cache) > 512:
                self._cache.clear()
            entries = self.explorer.entries
            fresh = run_together(
                [(entries[i].rule, entries[i].schedule, entries[i].params(state["positions"][i]))
                 for i in stale],
                self.explorer.objective_named(state["objective"]), steps=int(state["steps"]),
                start=tuple(state["start"]), noise=noise, seed=self.explorer.seed)
            self._cache.update({(i, keys[i]): trace for i, trace in zip(stale, fresh)})
        return [self._cache[(i, key)] for i, key in enumerate(keys)]

    def _recompute(self, change=None) -> None:
        began = time.perf_counter()
        state = self.state
        traces = self._traces(state)
        texts = self.explorer.path_texts(state, traces)
        paths = [{"points": _finite(t.points.flatten().tolist()),
                  "losses": _finite(t.losses.tolist()), "diverged_at": int(t.diverged_at),
                  "steps": int(state["steps"]), "text": text}
                 for t, text in zip(traces, texts)]
        with self.hold_sync():
            self.paths = paths
            self.readout = self.explorer.readout(state, traces)
        self.callback_ms.append(1000 * (time.perf_counter() - began))
