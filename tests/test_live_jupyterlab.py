"""The live explorer in a real JupyterLab: a race with a student's own rule, driven by the
keyboard, the mouse and the legend.

Starts a JupyterLab server on a free loopback port with widgets enabled (the opposite of the
headless setting the rest of the tests use), opens a notebook whose cell shows a race of a
rule the page has no twin of, plain gradient descent and momentum, and runs it in Chromium.
Moving a slider with the arrow keys, dragging the start point and hiding a path must each
rerun the Python rules and redraw: the readout must become the one Python computes for the
new state. A second cell prints the median time of the kernel's callback (state received to
paths and readout sent); the test reports it against the 30 ms budget.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from own_rule import SOURCE, sign_descent  # tests/ is on sys.path, as for conftest

RULE = ("import dataclasses, torch\n"
        "from d2l_opt.explorer import race\n"
        "from d2l_opt.objectives import ill_conditioned, rosenbrock\n"
        "from d2l_opt.optimizers import momentum, sgd\n\n" + SOURCE)
RACE = ("race(signs=dict(rule=signs, eta=(0.02, 0.4, 0.02, 0.1)),\n"
        "     gd=dict(rule=sgd, eta=(0.05, 0.7, 0.05, 0.4)),\n"
        "     momentum=dict(eta=(0.05, 1.0, 0.05, 0.6), beta=(0.0, 0.95, 0.05, 0.5)),\n"
        "     objective=ill_conditioned, objectives=[rosenbrock])")
CELLS = [RULE + "lab = " + RACE + "\nlab",
         "import statistics\n"
         "times = lab.live_views[-1].callback_ms[1:]\n"
         "print(f'callback median {statistics.median(times):.2f} ms over {len(times)} changes')"]


@pytest.fixture
def lab(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(cell) for cell in CELLS]
    nbformat.write(notebook, tmp_path / "live.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "D2L_OPT_NO_WIDGETS"}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", "--allow-root",
         f"--port={port}", "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--ServerApp.root_dir={tmp_path}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_live_race_follows_python(lab, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        _drive(page, lab)
    finally:
        print("\nbrowser errors:", errors)
    try:
        assert errors == []
    finally:
        page.close()


def _python_race():
    from d2l_opt.explorer import race
    from d2l_opt.objectives import ill_conditioned, rosenbrock  # noqa: F401 (RACE names them)
    from d2l_opt.optimizers import momentum, sgd  # noqa: F401

    signs = sign_descent()  # noqa: F841 (RACE names it)
    return eval(RACE)  # the very call the notebook runs


def _wait_for_readout(page, readout, expected: str) -> None:
    from playwright.sync_api import TimeoutError

    try:
        page.wait_for_function("([el, text]) => el.textContent === text",
                               arg=[readout.element_handle(), expected], timeout=30000)
    except TimeoutError:
        assert readout.inner_text() == expected  # says how they differ


def _run_cell(page, index: int) -> None:
    page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor").nth(index).click()
    page.keyboard.press("Shift+Enter")


def _drive(page, url: str) -> None:
    explorer = _python_race()
    page.goto(f"{url}/lab/tree/live.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell .jp-InputArea-editor", timeout=60000)
    page.wait_for_timeout(2000)  # the kernel connects after the notebook renders
    _run_cell(page, 0)
    root = page.locator(".jp-OutputArea .d2l-lab").first
    root.wait_for(timeout=60000)
    readout = root.locator(".d2l-lab-readout[aria-live=polite]")
    state = explorer.default_state()
    _wait_for_readout(page, readout, explorer.readout(state))
    assert root.locator(".d2l-lab-curve:not([d=''])").count() == 3
    assert root.locator(".d2l-lab-note").count() == 0  # live: the student's rule follows all

    # A slider moved with the keyboard: momentum's beta from 0.5 down to 0.
    root.locator("input[id$='-p2-beta']").focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    state["positions"][2] = [11, 0]
    _wait_for_readout(page, readout, explorer.readout(state))

    # A drag of the start point; the student's rule reruns from the new start as well.
    handle = root.locator(".d2l-lab-start").bounding_box()
    plot = root.locator(".d2l-lab-plot").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    for fraction in (0.2, 0.4, 0.6, 0.8, 1.0):
        page.mouse.move(handle["x"] + fraction * 0.4 * plot["width"],
                        handle["y"] - fraction * 0.3 * plot["height"])
        page.wait_for_timeout(50)
    page.mouse.up()
    page.wait_for_timeout(500)
    start = [float(v) for v in root.get_attribute("data-start").split(",")]
    assert start != [-5.0, -2.0]
    state["start"] = start
    _wait_for_readout(page, readout, explorer.readout(state))

    # The legend hides the student's path.
    root.locator(".d2l-lab-key").first.click()
    state["hidden"] = [True, False, False]
    _wait_for_readout(page, readout, explorer.readout(state))
    assert root.locator(".d2l-lab-curve:not([d=''])").count() == 2

    _run_cell(page, 1)
    printed = page.locator(".jp-OutputArea-output", has_text="callback median").first
    printed.wait_for(timeout=30000)
    median, changes = re.search(r"callback median ([\d.]+) ms over (\d+) changes",
                                printed.inner_text()).groups()
    # The 30 ms budget is reported here and checked by benchmarks/explorer.py, not asserted:
    # a timed assert fails whenever the machine running the tests is busy.
    print(f"\nlive callback median {median} ms over {changes} changes (budget 30 ms)")
    assert int(changes) >= 4 and float(median) > 0
