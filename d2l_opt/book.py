"""How the book executes its chapters when no reader is watching.

A chapter executed with no front end (the book build, nbval, :func:`execute`) must not create
live widgets: nothing would ever display them, and a kernel that opens widget comms can stall
the executing client until its timeout (nbclient issue #312). Setting
:data:`NO_WIDGETS_VARIABLE` tells :mod:`d2l_opt.explorer` to emit only its static HTML view.

This module is a Sphinx extension (listed in ``_config.yml``) and a pytest plugin (``-p
d2l_opt.book`` in ``pyproject.toml``) that set the variable for the kernels the book build
and nbval start, and a command that executes chapters in place::

    python -m d2l_opt.book chapters/sgd.ipynb [...]
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

NO_WIDGETS_VARIABLE = "D2L_OPT_NO_WIDGETS"


def widgets_enabled() -> bool:
    """False when chapters run headless (the variable is set to anything but empty or 0)."""
    return os.environ.get(NO_WIDGETS_VARIABLE, "") in ("", "0")


def setup(app):
    """Sphinx entry point: headless kernels, and pages with no console errors.

    Two defects of the stock Jupyter Book 1 pages are mended here:

    * Sphinx 7.4 registers an inline script added by an extension twice, once with the file
      name ``None`` and once with ``""``; sphinx-thebe's ``const THEBE_JS_URL = ...`` then
      appears twice on every page and throws "Identifier 'THEBE_JS_URL' has already been
      declared". Each page's scripts are made unique before it is written.
    * With no stored preference the theme starts with an empty colour mode and logs "Got
      invalid theme mode"; the book's figures are drawn on white, so the default is light.
    """
    os.environ[NO_WIDGETS_VARIABLE] = "1"
    app.connect("config-inited", _default_light_mode)
    app.connect("html-page-context", _unique_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _default_light_mode(app, config):
    config.html_context.setdefault("default_mode", "light")


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = (getattr(script, "filename", script) or "", getattr(script, "priority", 0),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def pytest_configure(config):
    """pytest entry point: nbval's kernels run headless and read the data offline.

    Without ``D2L_OPT_DATA_DIR``, the tests use the copy of the data in ``../shared/data``
    beside the repository when there is one.
    """
    os.environ[NO_WIDGETS_VARIABLE] = "1"
    shared = Path(str(config.rootpath)).parent / "shared" / "data"
    if "D2L_OPT_DATA_DIR" not in os.environ and (shared / "airfoil_self_noise.dat").is_file():
        os.environ["D2L_OPT_DATA_DIR"] = str(shared)


def execute(path: str | Path, timeout: int = 600) -> None:
    """Execute a notebook in place, headless, from its own folder (as the build and nbval do)."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    os.environ[NO_WIDGETS_VARIABLE] = "1"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    nbformat.write(notebook, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        execute(name)
        print(f"executed {name}")
