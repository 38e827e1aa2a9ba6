"""The explorer's front end, one JavaScript source for both views (files under assets/).

* ``engine.js``: the book's 2D rules and objectives written a second time, for the page;
* ``lab.js``: the view, ``render({model, el})`` in anywidget's form; the live widget gives it
  the kernel's model, the static page a small model of its own that runs the engine;
* ``lab.css``: its style.

:func:`esm` is the module anywidget loads in Jupyter; :func:`inline_script` is the same code
as a classic script for the rendered book (defined once per page, then mounted per explorer).
"""
from __future__ import annotations

import functools
from importlib import resources

__all__ = ["source", "css", "esm", "inline_script"]


@functools.cache
def source(name: str) -> str:
    """The text of ``assets/<name>``."""
    return resources.files("d2l_opt.explorer").joinpath("assets", name).read_text()


def _bundle() -> str:
    return ("(function () {\n" + source("engine.js") + "\n" + source("lab.js")
            + "\nreturn LAB;\n})()")


def css() -> str:
    return source("lab.css")


@functools.cache
def esm() -> str:
    """The anywidget module: ``export default {render}``."""
    return f"const D2LExplorer = {_bundle()};\nexport default {{ render: D2LExplorer.render }};\n"


@functools.cache
def _inline_body() -> str:
    return f"if (!window.D2LExplorer) {{ window.D2LExplorer = {_bundle()}; }}\n"


def inline_script(uid: str) -> str:
    """A classic script that defines the front end once and mounts the explorer ``uid``."""
    return _inline_body() + f'window.D2LExplorer.mountStatic("{uid}");'
