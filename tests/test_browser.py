"""The built book in a real browser, opened from disk with every network request blocked.

The session fixture builds the book (``jupyter-book build . -W -n --keep-going``, as the README
says) unless ``D2L_OPT_BOOK_HTML`` names an already built ``_build/html`` folder. Every chapter
page must load with no request leaving the machine, no JavaScript error and rendered math; on
pages with explorers, each slider moved with the keyboard must redraw the path and readout
exactly as the Python code computes them.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


@pytest.fixture(scope="session")
def html_dir() -> Path:
    given = os.environ.get("D2L_OPT_BOOK_HTML")
    if given:
        return Path(given)
    command = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(command), "build", str(ROOT), "-W", "-n", "--keep-going"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return ROOT / "_build" / "html"


class OpenedPage:
    """A page opened from disk, with every non-file request blocked and recorded."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.external: list[str] = []
        self.errors: list[str] = []
        self.page.route(re.compile(r"^(?!file:).*"), self._block)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(path.as_uri(), wait_until="load")
        if self.page.locator("script[src*='mathjax']").count():  # pages with math load it
            self.page.wait_for_function("() => window.MathJax && MathJax.startup && "
                                        "MathJax.startup.promise", timeout=15000)
            self.page.evaluate("() => MathJax.startup.promise")

    def _block(self, route):
        if not route.request.url.startswith("data:"):
            self.external.append(route.request.url)
        route.abort()


@pytest.mark.parametrize("page", toc_pages())
def test_page_is_self_contained(browser, html_dir, page):
    opened = OpenedPage(browser, html_dir / f"{page}.html")
    try:
        assert opened.external == [], f"requests that left the machine: {opened.external}"
        assert opened.errors == [], f"JavaScript errors: {opened.errors}"
        raw_tex = opened.page.locator("main .math:not(:has(mjx-container))").count()
        assert raw_tex == 0, f"{raw_tex} math elements left as raw TeX"
        if (html_dir / f"{page}.html").read_text().count('class="math') > 0:
            assert opened.page.locator("mjx-container").count() > 0
        size = (html_dir / f"{page}.html").stat().st_size
        assert size <= 2_000_000, f"{page}.html is {size} bytes, over the 2 MB budget"
    finally:
        opened.page.close()


def explorer_pages() -> list[str]:
    pages = []
    for page in toc_pages():
        notebook = ROOT / f"{page}.ipynb"
        if notebook.exists() and "explore(" in notebook.read_text():
            pages.append(page)
    return pages


@pytest.mark.parametrize("page", explorer_pages())
def test_explorer_sliders_follow_python(browser, html_dir, page):
    """Move each slider with the keyboard; path and readout must match the Python trace."""
    from d2l_opt.explorer import Explorer

    opened = OpenedPage(browser, html_dir / f"{page}.html")
    try:
        explorers = opened.page.locator("div.d2l-explorer")
        assert explorers.count() > 0, "no static explorer rendered on the page"
        for index in range(explorers.count()):
            root = explorers.nth(index)
            root.scroll_into_view_if_needed()
            explorer = Explorer.from_config(_state(root)["config"])
            for slider in explorer.sliders:
                before = _state(root)
                root.locator(f"input[id$='-{slider.name}']").focus()
                key = "ArrowLeft" if slider.index > 0 else "ArrowRight"
                opened.page.keyboard.press(key)
                after = _state(root)
                assert after["positions"] != before["positions"], "the key moved nothing"
                assert after["d"] != before["d"], f"moving {slider.name} left the path as it was"
                assert after["readout"] != before["readout"]
                values = {s.name: s.values[i] for s, i in zip(explorer.sliders, after["positions"])}
                trace = explorer.trace(**values)
                assert after["readout"] == explorer.readout(values, trace)
                _assert_path_matches(after, explorer, trace)
        assert opened.errors == []
    finally:
        opened.page.close()


def _state(root) -> dict:
    return root.evaluate("""el => {
        const spec = JSON.parse(el.querySelector('script[type="application/json"]').textContent);
        return {
            d: el.querySelector('path').getAttribute('d'),
            readout: el.querySelector('[aria-live]').textContent,
            positions: [...el.querySelectorAll('input[type=range]')].map(e => Number(e.value)),
            axes: spec.axes, config: spec.config,
        };
    }""")


def _assert_path_matches(state: dict, explorer, trace) -> None:
    """The drawn path is the Python trace mapped to pixels (to the 0.1 px the page keeps)."""
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", state["d"])]
    drawn = np.array(numbers).reshape(-1, 2)
    k = int(trace.diverged_at)
    points = trace.points.numpy()[: k + 1] if k >= 0 else trace.points.numpy()
    x0, y0, width, height = state["axes"]
    (lo1, hi1), (lo2, hi2) = explorer.objective.window
    expected = np.stack([x0 + (points[:, 0] - lo1) / (hi1 - lo1) * width,
                         y0 + (1 - (points[:, 1] - lo2) / (hi2 - lo2)) * height], axis=1)
    assert drawn.shape == expected.shape
    # Points far outside the window are clamped when embedded; they are clipped from view.
    near = (np.abs(points[:, 0] - (lo1 + hi1) / 2) < 2.5 * (hi1 - lo1)) & \
           (np.abs(points[:, 1] - (lo2 + hi2) / 2) < 2.5 * (hi2 - lo2))
    assert near.sum() >= 1
    np.testing.assert_allclose(drawn[near], expected[near], atol=0.15)
