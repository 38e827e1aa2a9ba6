"""Explorer speed and size budgets, measured on this machine.

Prints one JSON line each for:
- the static page in Chromium: ms per input event (a slider move, a drag step) with five
  optimizers racing 200 steps, each event computed by the page's engine, redrawn, and laid
  out (budget <= 16 ms); and the same for all seven optimizers of the book racing 200 steps
  with a noise slider and a batch-size slider (a move of a shared slider reruns all seven);
- the built chapter pages (run `jupyter-book build .` first): bytes (budget <= 2 MB), requests
  that leave the book's folder (budget 0) and JavaScript errors (budget 0);
- the live widget's callback (state received to paths and readout sent), in this process, for
  the same race: median ms for a drag step and for a slider move. The budget (<= 30 ms median)
  is checked in the real JupyterLab test, tests/test_live_jupyterlab.py, which prints its
  median;
- the machine's load while measuring: the machine is shared, and every number above grows
  with it.

Usage: python benchmarks/explorer.py
"""
from __future__ import annotations

import copy
import json
import os
import re
import statistics
import tempfile
from pathlib import Path

from d2l_opt.explorer import race
from d2l_opt.objectives import double_well, ill_conditioned, quadratic, rosenbrock

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
CHROMIUM = os.environ.get("D2L_OPT_CHROMIUM", "/usr/bin/chromium")


def five_racing(steps: int = 200):
    return race(sgd=dict(eta=(0.01, 0.3, 0.01, 0.1)),
                momentum=dict(eta=(0.01, 0.3, 0.01, 0.05), beta=(0.0, 0.95, 0.05, 0.9)),
                rmsprop=dict(eta=(0.01, 0.5, 0.01, 0.1), gamma=(0.0, 0.99, 0.03, 0.9)),
                adam=dict(eta=(0.01, 0.5, 0.01, 0.1), beta1=(0.0, 0.95, 0.05, 0.9)),
                yogi=dict(eta=(0.01, 0.5, 0.01, 0.1)),
                objective=ill_conditioned, objectives=[rosenbrock, double_well], steps=steps,
                noise=0.5)


def seven_racing_with_noise(steps: int = 200):
    return race(sgd=dict(eta=(0.001, 0.4, 0.001, 0.2)),
                momentum=dict(eta=(0.001, 0.4, 0.001, 0.2), beta=(0.0, 0.95, 0.05, 0.5)),
                adagrad=dict(eta=(0.05, 2.0, 0.05, 0.4)), rmsprop=dict(eta=(0.01, 1.0, 0.01, 0.4)),
                adadelta=dict(rho=(0.5, 0.99, 0.01, 0.9)), adam=dict(eta=(0.01, 1.0, 0.01, 0.5)),
                yogi=dict(eta=(0.01, 1.0, 0.01, 0.5)), objective=ill_conditioned,
                objectives=[quadratic, rosenbrock, double_well], steps=steps,
                noise=(0.0, 4.0, 0.5, 2.0), batch=(1, 64, 1, 4))


EVENTS = """([kind, events]) => {
    const root = document.querySelector('div.d2l-explorer');
    const plot = root.querySelector('.d2l-lab-plot');
    const slider = root.querySelector(kind === 'shared' ? '.d2l-lab-shared input[type=range]'
                                                        : '.d2l-lab-entry input[type=range]');
    const box = plot.getBoundingClientRect();
    const times = [];
    if (kind === 'drag') {
        plot.dispatchEvent(new PointerEvent('pointerdown', {clientX: box.left + 60,
            clientY: box.top + 200, button: 0, pointerId: 7, bubbles: true}));
    }
    for (let i = 0; i < events; i++) {
        const start = performance.now();
        if (kind === 'drag') {
            plot.dispatchEvent(new PointerEvent('pointermove', {clientX: box.left + 60 + i % 300,
                clientY: box.top + 200 - (i % 100), pointerId: 7, bubbles: true}));
        } else {
            slider.value = String(i % (Number(slider.max) + 1));
            slider.dispatchEvent(new Event('input', {bubbles: true}));
        }
        root.getBoundingClientRect();  // force style and layout of what the event changed
        times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)],
            mean: times.reduce((a, b) => a + b, 0) / times.length};
}"""


def browser_ms_per_event(html: str, events: int = 400,
                         kinds: tuple[str, ...] = ("slider", "drag")) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "explorer.html"
        page_path.write_text(f"<!doctype html><meta charset=utf-8><body>{html}</body>")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_path.as_uri())
            result = {kind: {k: round(v, 3) for k, v in
                             page.evaluate(EVENTS, [kind, events]).items()}
                      for kind in kinds}
            browser.close()
    result["js_errors"] = len(errors)
    return result


def chapter_pages() -> dict:
    from playwright.sync_api import sync_playwright

    folder = (ROOT / "_build" / "html").resolve()
    pages = sorted((folder / "chapters").glob("*.html"))
    inside = folder.as_uri() + "/"
    report = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in pages:
            page = browser.new_page()
            outside, errors = [], []
            def only_the_book(route, outside=outside):
                url = route.request.url
                if url.startswith(inside) or url.startswith("data:"):
                    route.continue_()
                else:
                    outside.append(url)
                    route.abort()

            page.route(re.compile(r".*"), only_the_book)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            report[path.stem] = {"bytes": path.stat().st_size,
                                 "explorers": page.locator("div.d2l-explorer").count(),
                                 "requests_outside": len(outside), "js_errors": len(errors)}
            page.close()
        browser.close()
    return report


def live_callback_ms(repeats: int = 30) -> dict:
    widget = five_racing().widget()
    drag, slider = [], []
    for i in range(repeats):
        state = copy.deepcopy(widget.state)
        state["start"] = [round(-4.0 + 0.05 * i, 2), -1.0]
        widget.state = state
        drag.append(widget.callback_ms[-1])
        state = copy.deepcopy(widget.state)
        state["positions"][3][0] = i % 50
        widget.state = state
        slider.append(widget.callback_ms[-1])
    return {"drag_step_median_ms": round(statistics.median(drag), 2),
            "slider_move_median_ms": round(statistics.median(slider), 2)}


def main() -> None:
    explorer = five_racing()
    html = explorer.static_html()
    print(json.dumps({"static_page_5_optimizers_200_steps_ms_per_event":
                      browser_ms_per_event(html), "explorer_html_bytes": len(html.encode()),
                      "budget_ms": 16}))
    html = seven_racing_with_noise().static_html()
    print(json.dumps({"static_page_7_optimizers_200_steps_noise_batch_ms_per_event":
                      browser_ms_per_event(html, kinds=("slider", "shared", "drag")),
                      "explorer_html_bytes": len(html.encode()), "budget_ms": 16}))
    if (ROOT / "_build" / "html" / "chapters").exists():
        print(json.dumps({"chapter_pages": chapter_pages(), "budget_bytes": 2_000_000}))
    print(json.dumps({"live_callback_in_process_5_optimizers_200_steps": live_callback_ms(),
                      "budget_ms_in_jupyterlab_test": 30}))
    print(json.dumps({"load_average": os.getloadavg(), "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
