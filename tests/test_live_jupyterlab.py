"""The live explorer in a real JupyterLab: run the cell, move a slider with the keyboard.

Starts a JupyterLab server on a free loopback port with widgets enabled (the opposite of the
headless setting the rest of the tests use), opens a notebook holding one explorer in Chromium,
runs it, and checks that a slider moved with the arrow keys reruns the update rule: the frame
changes and the readout is the one Python computes for the new setting.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

CELL = ("from d2l_opt.explorer import explore\n"
        "from d2l_opt.objectives import ill_conditioned\n"
        "from d2l_opt.optimizers import momentum\n"
        "explore(momentum, ill_conditioned, eta=(0.05, 1.0, 0.05, 0.6), "
        "beta=(0.0, 0.95, 0.05, 0.5))")


@pytest.fixture
def lab(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(CELL)]
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


def test_live_explorer_reruns_the_rule(lab, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    try:
        _drive(page, lab)
    finally:
        page.close()


def _drive(page, lab: str) -> None:
    from d2l_opt.explorer import explore
    from d2l_opt.objectives import ill_conditioned
    from d2l_opt.optimizers import momentum

    page.goto(f"{lab}/lab/tree/live.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell .jp-InputArea-editor", timeout=60000)
    page.wait_for_timeout(2000)  # the kernel connects after the notebook renders
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")
    sliders = page.locator(".jp-OutputArea .widget-hslider")
    sliders.nth(1).wait_for(timeout=60000)
    frame = page.locator(".jp-OutputArea img").first
    readout = page.locator(".jp-OutputArea .widget-label").last
    page.wait_for_function("el => el.textContent.includes('f(x)')", arg=readout.element_handle(),
                           timeout=30000)
    before = frame.get_attribute("src")
    assert readout.inner_text() == "η = 0.6, β = 0.5: after 20 steps: f(x) = 1.82e-05"

    sliders.nth(1).locator(".noUi-handle").focus()
    for _ in range(10):  # beta from 0.5 down to 0: plain gradient descent at eta = 0.6
        page.keyboard.press("ArrowLeft")
    explorer = explore(momentum, ill_conditioned, eta=(0.05, 1.0, 0.05, 0.6),
                       beta=(0.0, 0.95, 0.05, 0.5))
    expected = explorer.readout({"eta": 0.6, "beta": 0.0}, explorer.trace(eta=0.6, beta=0.0))
    page.wait_for_function("([el, text]) => el.textContent === text",
                           arg=[readout.element_handle(), expected], timeout=30000)
    assert "diverged at step" in expected
    assert frame.get_attribute("src") != before
