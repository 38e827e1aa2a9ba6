"""The two-dimensional objectives the book draws, each carrying its minimizer and view window.

An objective maps points of shape ``(..., 2)`` to values of shape ``(...)``. Its gradient comes
from autograd, so the formula is written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import Tensor

__all__ = ["Objective", "quadratic", "ill_conditioned", "rotated_ill_conditioned", "rosenbrock",
           "double_well", "OBJECTIVES"]


@dataclass(frozen=True)
class Objective:
    """A function of two variables with what a plot of it needs.

    Args:
        name: short identifier, used in labels and error messages.
        formula: the function in LaTeX, for titles and readouts.
        fn: maps a tensor of shape ``(..., 2)`` to ``(...)``.
        minimizer: the point :math:`\\mathbf{x}^*` where ``fn`` is smallest.
        window: ``((x1_min, x1_max), (x2_min, x2_max))`` for contour plots.
        levels: contour levels that show the shape well.

    Example: ``quadratic(torch.tensor([1.0, 1.0]))`` is ``tensor(3.)``.
    """

    name: str
    formula: str
    fn: Callable[[Tensor], Tensor] = field(repr=False)
    minimizer: tuple[float, float]
    window: tuple[tuple[float, float], tuple[float, float]]
    levels: tuple[float, ...] = field(repr=False, default=())

    def __call__(self, x: Tensor) -> Tensor:
        return self.fn(x)

    def grad(self, x: Tensor) -> Tensor:
        """The gradient at ``x`` (any leading shape), by autograd."""
        with torch.enable_grad():
            x = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.fn(x).sum(), x)
        return g

    @property
    def minimum(self) -> float:
        return float(self.fn(torch.tensor(self.minimizer, dtype=torch.float64)))


quadratic = Objective(
    "quadratic", r"x_1^2 + 2 x_2^2",
    lambda x: x[..., 0] ** 2 + 2 * x[..., 1] ** 2,
    minimizer=(0.0, 0.0), window=((-5.5, 1.0), (-3.0, 1.0)),
    levels=(0.25, 1, 2.5, 5, 10, 15, 20, 30, 40))

ill_conditioned = Objective(
    "ill_conditioned", r"0.1 x_1^2 + 2 x_2^2",
    lambda x: 0.1 * x[..., 0] ** 2 + 2 * x[..., 1] ** 2,
    minimizer=(0.0, 0.0), window=((-5.5, 1.0), (-3.0, 1.0)),
    levels=(0.1, 0.5, 1, 2, 3, 5, 8, 12, 16))

rotated_ill_conditioned = Objective(
    "rotated_ill_conditioned", r"0.1 (x_1 + x_2)^2 + 2 (x_1 - x_2)^2",
    lambda x: 0.1 * (x[..., 0] + x[..., 1]) ** 2 + 2 * (x[..., 0] - x[..., 1]) ** 2,
    minimizer=(0.0, 0.0), window=((-5.5, 1.0), (-3.0, 1.0)),
    levels=(0.1, 0.5, 1, 2, 4, 8, 12, 20, 30))

rosenbrock = Objective(
    "rosenbrock", r"(1 - x_1)^2 + 100 (x_2 - x_1^2)^2",
    lambda x: (1 - x[..., 0]) ** 2 + 100 * (x[..., 1] - x[..., 0] ** 2) ** 2,
    minimizer=(1.0, 1.0), window=((-2.0, 2.0), (-1.0, 3.0)),
    levels=(0.5, 2, 8, 25, 60, 150, 300, 600, 1000))

#: Nonconvex: two basins, minima at (-1, 0) and (1, 0) (both f = 0), and a saddle at the origin
#: (f = 1) that a run started on the x_2 axis heads for and a noisy or tilted run leaves. Levels
#: are spaced geometrically, so the basins and the saddle both show.
double_well = Objective(
    "double_well", r"(x_1^2 - 1)^2 + x_2^2",
    lambda x: (x[..., 0] ** 2 - 1) ** 2 + x[..., 1] ** 2,
    minimizer=(1.0, 0.0), window=((-2.0, 2.0), (-1.5, 1.5)),
    levels=(0.02, 0.06, 0.15, 0.35, 0.7, 1, 1.5, 3, 6, 10))

#: Every objective by name.
OBJECTIVES: dict[str, Objective] = {o.name: o for o in
                                    (quadratic, ill_conditioned, rotated_ill_conditioned,
                                     rosenbrock, double_well)}
