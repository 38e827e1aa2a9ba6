"""One switch: are chapters running with no reader watching?

A chapter executed with no front end (the book build, nbval, ``python -m d2l_opt.book``, an
nbgrader autograde) must not create live widgets: nothing would ever display them, and a
kernel that opens widget comms can stall the executing client until its timeout (nbclient
issue #312). Setting :data:`NO_WIDGETS_VARIABLE` tells the explorers to emit only their
static HTML view; :mod:`d2l_opt.book` sets it for every kernel the book starts.
"""
from __future__ import annotations

import os

__all__ = ["NO_WIDGETS_VARIABLE", "widgets_enabled", "run_headless"]

NO_WIDGETS_VARIABLE = "D2L_OPT_NO_WIDGETS"


def widgets_enabled() -> bool:
    """False when chapters run headless (the variable is set to anything but empty or 0)."""
    return os.environ.get(NO_WIDGETS_VARIABLE, "") in ("", "0")


def run_headless() -> None:
    """Make this process, and every kernel it starts from now on, run headless."""
    os.environ[NO_WIDGETS_VARIABLE] = "1"
