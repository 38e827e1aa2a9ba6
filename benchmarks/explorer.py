"""Explorer speed and size budgets, measured on this machine.

Prints one JSON line each for:
- the live slider callback (rerun a 50-step trace, redraw, encode the frame): median ms;
- the static grid precompute of >= 1,000 settings in one run_grid call: seconds;
- the size of each built chapter page (run `jupyter-book build .` first) and of one explorer;
- the in-browser cost of one slider input event in the static view: ms per event.

Budgets: live median <= 30 ms; precompute <= 0.5 s; a chapter page <= 2 MB; <= 16 ms per event.
Usage: python benchmarks/explorer.py
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from d2l_opt.explorer import explore
from d2l_opt.objectives import ill_conditioned
from d2l_opt.optimizers import momentum

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
GRID = dict(eta=(0.02, 1.0, 0.02, 0.6), beta=(0.0, 0.95, 0.05, 0.5))  # 50 x 20 = 1,000


def live_callback_ms(repeats: int = 60) -> float:
    box = explore(momentum, ill_conditioned, steps=50, **GRID).widget()
    eta = box.sliders[0]
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        eta.value = eta.options[i % len(eta.options)][1]  # fires the redraw callback
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def precompute_seconds(repeats: int = 5) -> tuple[float, int]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        explorer = explore(momentum, ill_conditioned, steps=50, **GRID)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(explorer.grid.diverged_at)


def browser_ms_per_event(html: str, events: int = 2000) -> float:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "explorer.html"
        page_path.write_text(f"<!doctype html><meta charset=utf-8><body>{html}</body>")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            page.goto(page_path.as_uri())
            elapsed = page.evaluate("""events => {
                const input = document.querySelector('input[type=range]');
                const n = Number(input.max) + 1;
                const start = performance.now();
                for (let i = 0; i < events; i++) {
                    input.value = String(i % n);
                    input.dispatchEvent(new Event('input'));
                }
                return performance.now() - start;
            }""", events)
            browser.close()
    return elapsed / events


def main() -> None:
    print(json.dumps({"live_callback_median_ms": round(live_callback_ms(), 2),
                      "budget_ms": 30, "steps": 50}))
    seconds, settings = precompute_seconds()
    print(json.dumps({"grid_precompute_s": round(seconds, 3), "settings": settings,
                      "steps": 50, "budget_s": 0.5}))
    html = explore(momentum, ill_conditioned, steps=50, **GRID).static_html()
    pages = sorted((ROOT / "_build" / "html" / "chapters").glob("*.html"))
    print(json.dumps({"explorer_html_bytes": len(html.encode()),
                      "chapter_page_bytes": {p.stem: p.stat().st_size for p in pages},
                      "budget_bytes": 2_000_000}))
    print(json.dumps({"browser_ms_per_input_event": round(browser_ms_per_event(html), 4),
                      "budget_ms": 16}))


if __name__ == "__main__":
    main()
