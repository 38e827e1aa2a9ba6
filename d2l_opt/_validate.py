"""Argument checks shared by every module, each raising one clear ``ValueError``.

Every message names the argument and the value it got, e.g. ``eta must be a finite number
> 0, got -0.1``. A value of the wrong type (``eta='a'``) gets the same message as a value out
of range, never a ``TypeError`` from deep inside the arithmetic.
"""
from __future__ import annotations

import math
import numbers

from torch import Tensor

__all__ = ["check_positive", "check_nonnegative", "check_decay", "check_integer",
           "check_unit_interval"]

Hyper = float | Tensor


def _describe(value) -> str:
    if isinstance(value, Tensor) and value.numel() > 1:
        return f"a tensor with values in [{value.min().item():g}, {value.max().item():g}]"
    if isinstance(value, Tensor):
        return repr(value.item())
    return repr(value)


def _is_number(value) -> bool:
    if isinstance(value, Tensor):
        return value.numel() > 0 and not value.dtype.is_complex and value.dtype != bool
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _holds(value, condition) -> bool:
    """Whether ``value`` is a finite real number (or tensor of them) meeting ``condition``."""
    if not _is_number(value):
        return False
    if isinstance(value, Tensor):
        import torch

        return bool(torch.isfinite(value).all()) and bool(condition(value).all())
    return math.isfinite(value) and bool(condition(value))


def check_positive(name: str, value: Hyper) -> None:
    """Raise ``ValueError`` unless every entry of ``value`` is a finite number > 0."""
    if not _holds(value, lambda v: v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {_describe(value)}")


def check_nonnegative(name: str, value: Hyper) -> None:
    """Raise ``ValueError`` unless every entry of ``value`` is a finite number >= 0."""
    if not _holds(value, lambda v: v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {_describe(value)}")


def check_decay(name: str, value: Hyper) -> None:
    """Raise ``ValueError`` unless every entry of ``value`` is a number in [0, 1)."""
    if not _holds(value, lambda v: (v >= 0) & (v < 1)):
        raise ValueError(f"{name} must lie in [0, 1), got {_describe(value)}")


def check_unit_interval(name: str, value: Hyper) -> None:
    """Raise ``ValueError`` unless every entry of ``value`` is a number in (0, 1]."""
    if not _holds(value, lambda v: (v > 0) & (v <= 1)):
        raise ValueError(f"{name} must lie in (0, 1], got {_describe(value)}")


def check_integer(name: str, value, low: int, high: int | None = None) -> None:
    """Raise ``ValueError`` unless ``value`` is an int (not a bool) in ``[low, high]``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low
            or (high is not None and value > high)):
        bound = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
