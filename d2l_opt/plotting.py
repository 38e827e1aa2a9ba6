"""Figures in one style: contours with optimizer traces, and curves.

Every function draws on an ``ax`` it is given and returns it; nothing here computes a trace
or prints. The explorer (:mod:`d2l_opt.explorer`) draws with these same functions, so its
live and static views look like the book's fixed figures.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes

from .objectives import Objective
from .traces import Trace

__all__ = ["COLORS", "FIGSIZE", "subplots", "plot_contour", "plot_path", "plot_trace",
           "plot_curves"]

#: Colors of the book: contour lines, the trace, the minimizer, a diverged run.
COLORS = {"contour": "#1f77b4", "trace": "#ff7f0e", "minimizer": "#2ca02c",
          "diverged": "#d62728"}
#: Default size of one panel, in inches.
FIGSIZE = (3.6, 2.6)


def subplots(ncols: int = 1, nrows: int = 1, size: tuple[float, float] = FIGSIZE, **kw):
    """``plt.subplots`` with the book's panel size and a constrained layout."""
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows),
                        layout="constrained", **kw)


def plot_contour(ax: Axes, objective: Objective, *, resolution: int = 120) -> Axes:
    """Contour lines of ``objective`` over its window, its minimizer and the axis labels."""
    (lo1, hi1), (lo2, hi2) = objective.window
    x1, x2 = torch.meshgrid(torch.linspace(lo1, hi1, resolution, dtype=torch.float64),
                            torch.linspace(lo2, hi2, resolution, dtype=torch.float64),
                            indexing="xy")
    values = objective(torch.stack([x1, x2], dim=-1))
    ax.contour(x1.numpy(), x2.numpy(), values.numpy(), levels=list(objective.levels),
               colors=COLORS["contour"], linewidths=0.8)
    ax.plot(*objective.minimizer, marker="*", color=COLORS["minimizer"], markersize=9,
            linestyle="none")
    ax.set_xlim(lo1, hi1)
    ax.set_ylim(lo2, hi2)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def _visible_points(trace: Trace) -> np.ndarray:
    points = trace.points.numpy()
    k = int(trace.diverged_at)
    return points[: k + 1] if k >= 0 else points


def plot_path(ax: Axes, trace: Trace, *, color: str = COLORS["trace"], label: str | None = None):
    """The points of one run joined by a line; returns the ``Line2D`` so it can be updated."""
    (line,) = ax.plot(*_visible_points(trace).T, "-o", color=color, markersize=2.5,
                      linewidth=1.2, label=label)
    return line


def plot_trace(ax: Axes, objective: Objective, trace: Trace, *, title: str | None = None,
               label: str | None = None) -> Axes:
    """Contours of ``objective`` with one run over them, labelled if it diverged."""
    plot_contour(ax, objective)
    plot_path(ax, trace, label=label)
    k = int(trace.diverged_at)
    if k >= 0:
        ax.text(0.03, 0.95, f"diverged at step {k}", transform=ax.transAxes, va="top",
                color=COLORS["diverged"], fontsize=9,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5))
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_curves(ax: Axes, x, ys: Sequence, *, labels: Sequence[str] | None = None,
                xlabel: str = "", ylabel: str = "", xscale: str = "linear",
                yscale: str = "linear", styles: Sequence[str] | None = None) -> Axes:
    """Several curves over a shared (or per-curve) x, with labels, scales and a legend."""
    labels = labels or [None] * len(ys)
    styles = styles or ["-", "--", "-.", ":", "-", "--", "-.", ":"]
    xs = x if isinstance(x, (list, tuple)) and len(x) == len(ys) and np.ndim(x[0]) else [x] * len(ys)
    for xi, y, label, style in zip(xs, ys, labels, styles):
        ax.plot(np.asarray(xi), np.asarray(y), style, label=label, linewidth=1.4)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    if any(labels):
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax
