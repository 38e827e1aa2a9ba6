"""pytest plugin of the book (``-p d2l_opt.book.pytest_plugin``): nbval's kernels run headless.

The data is found as everywhere else (:func:`d2l_opt.data.airfoil_path`): in the folder named
by ``D2L_OPT_DATA_DIR`` when it is set, else downloaded once and hash-checked.
"""
from __future__ import annotations

from ..headless import run_headless


def pytest_configure(config):
    """pytest entry point."""
    run_headless()
