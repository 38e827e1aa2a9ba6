"""Numbers for the prose, computed by a cell and stored only to the digits the prose shows.

The prose quotes an experiment's numbers with myst-nb's glue: a cell calls
``glue_number("final_loss", loss)`` and the text says ``{glue:text}`final_loss` ``. A glued
value is stored in the notebook as its ``repr``, and nbval compares it on re-execution, so a
raw float would carry its last bits, which differ between CPUs; the value is rounded first.
"""
from __future__ import annotations

import numbers

__all__ = ["glue_number", "rounded"]


def rounded(value: float, digits: int = 4) -> float | int:
    """``value`` to ``digits`` significant digits (an int stays an int).

    Example: ``rounded(0.357123)`` is ``0.3571``; ``rounded(1 / 3, 2)`` is ``0.33``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"value must be a real number, got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(f"{float(value):.{digits}g}")


def glue_number(name: str, value: float, *, digits: int = 4) -> float | int:
    """Glue ``value``, rounded to ``digits`` significant digits, under ``name``; return it.

    The glue itself shows nothing; the prose shows the value with ``{glue:text}`name` `` (or a
    format, ``{glue:text}`name:.2f` ``). The rounded value is returned for later cells (end a
    cell with ``glue_number(...);`` to keep Jupyter from echoing it).
    """
    from myst_nb import glue

    shown = rounded(value, digits)
    glue(name, shown, display=False)
    return shown
