"""The contour image under an explorer's paths: a matplotlib PNG, one per objective offered.

Both views place the same image and draw the paths over it in the image's pixel coordinates,
so each image comes with the box of its axes in pixels. Images are drawn once per objective
and process.
"""
from __future__ import annotations

import base64
import functools
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import plotting
from ..objectives import Objective

__all__ = ["FIGSIZE", "DPI", "NAMES", "objective_view"]

FIGSIZE = (4.8, 3.4)
DPI = 100
#: How the objective drop-down names each objective.
NAMES = {"quadratic": "quadratic", "ill_conditioned": "ill-conditioned quadratic",
         "rotated_ill_conditioned": "rotated ill-conditioned quadratic",
         "rosenbrock": "Rosenbrock", "double_well": "double well (two basins, one saddle)"}


@functools.lru_cache(maxsize=32)
def _render(objective: Objective) -> tuple[str, tuple[int, int], tuple[float, ...]]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    plotting.plot_contour(ax, objective)
    ax.set_title(f"$f(\\mathbf{{x}}) = {objective.formula}$", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    buffer = _palette_png(buffer.getvalue())
    width, height = (int(round(v)) for v in fig.bbox.size)
    box = ax.get_window_extent()
    axes = (round(box.x0, 2), round(height - box.y1, 2), round(box.width, 2),
            round(box.height, 2))
    return base64.b64encode(buffer.getvalue()).decode("ascii"), (width, height), axes


def _palette_png(png: bytes) -> io.BytesIO:
    """The same image with a 64-colour palette: a third of the bytes, the same look (the
    figure has a few line colours and their anti-aliased edges)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out


def objective_view(objective: Objective) -> dict:
    """What a view needs to show ``objective``: its image, its axes box and window, f*.

    The minimum f* is rounded to the digits a readout shows (it is 0 for every book
    objective), so the stored page carries no float's last bits.
    """
    png, size, axes = _render(objective)
    (lo1, hi1), (lo2, hi2) = objective.window
    return {"name": objective.name, "title": NAMES.get(objective.name, objective.name),
            "formula": objective.formula, "window": [[lo1, hi1], [lo2, hi2]],
            "minimum": float(f"{objective.minimum:.4g}"),
            "png": f"data:image/png;base64,{png}", "size": list(size), "axes": list(axes),
            "alt": f"Contour plot of f(x) = {objective.formula}"}
