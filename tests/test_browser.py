"""The built book in a real browser, opened from disk with every request outside it blocked.

The session fixture builds the book (``jupyter-book build . -W -n --keep-going``, as the README
says) unless ``D2L_OPT_BOOK_HTML`` names an already built ``_build/html`` folder. Every page
must load with no request outside the book's folder, no JavaScript error, rendered math and 0 axe-core
violations of the WCAG 2.1 A/AA rules. Every explorer must follow Python: moving a slider,
dragging the start point or moving it with the arrow keys, picking an objective or hiding a
path redraws paths, loss curves and readout exactly as :mod:`d2l_opt.explorer` computes them.
The page's engine (the one place a rule is written a second time) must equal
:mod:`d2l_opt.traces` on every rule, every objective and random settings.
"""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from d2l_opt.explorer import choose, explore, race
from own_rule import sign_descent  # tests/ is on sys.path, as for conftest

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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
    """A page opened from disk; every request outside the book's folder is blocked and recorded."""

    def __init__(self, browser, path: Path, folder: Path):
        self.page = browser.new_page(viewport={"width": 1100, "height": 900})
        self.external: list[str] = []
        self.errors: list[str] = []
        self.folder = folder.resolve().as_uri() + "/"
        self.page.route(re.compile(r".*"), self._filter)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(path.as_uri(), wait_until="load")
        if self.page.locator("script[src*='mathjax']").count():  # pages with math load it
            self.page.wait_for_function("() => window.MathJax && MathJax.startup && "
                                        "MathJax.startup.promise", timeout=15000)
            self.page.evaluate("() => MathJax.startup.promise")

    def _filter(self, route):
        url = route.request.url
        if url.startswith(self.folder) or url.startswith("data:"):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def close(self):
        self.page.close()


@pytest.fixture
def opened(browser, html_dir):
    pages = []

    def open_page(name: str) -> OpenedPage:
        pages.append(OpenedPage(browser, html_dir / f"{name}.html", html_dir))
        return pages[-1]

    yield open_page
    for page in pages:
        assert page.external == [], f"requests outside the book's folder: {page.external}"
        assert page.errors == [], f"JavaScript errors: {page.errors}"
        page.close()


@pytest.mark.parametrize("page", toc_pages())
def test_page_is_self_contained_and_accessible(opened, html_dir, page):
    view = opened(page).page
    raw_tex = view.locator("main .math:not(:has(mjx-container))").count()
    assert raw_tex == 0, f"{raw_tex} math elements left as raw TeX"
    if (html_dir / f"{page}.html").read_text().count('class="math') > 0:
        assert view.locator("mjx-container").count() > 0
    size = (html_dir / f"{page}.html").stat().st_size
    assert size <= 2_000_000, f"{page}.html is {size} bytes, over the 2 MB budget"
    view.add_script_tag(path=str(AXE))  # the script's text is inlined: no request
    # preload: false keeps axe from fetching the stylesheets again (file:// forbids it).
    result = view.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                           "preload: false})",
                           WCAG21_AA)
    violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
                  for v in result["violations"]]
    assert violations == [], "\n".join(violations)


# --- explorers on the built pages -------------------------------------------------------------

def explorer_pages() -> list[str]:
    pages = []
    for page in toc_pages():
        notebook = ROOT / f"{page}.ipynb"
        if notebook.exists() and re.search(r"\b(explore|race|choose)\(", notebook.read_text()):
            pages.append(page)
    return pages


def _state(root) -> dict:
    return root.evaluate("""el => {
        const spec = JSON.parse(el.querySelector('script[type="application/json"]').textContent);
        const model = el.d2lModel;
        return {
            d: [...el.querySelectorAll('.d2l-lab-path')].map(p => p.getAttribute('d')),
            curves: [...el.querySelectorAll('.d2l-lab-loss .d2l-lab-curve')].map(p => p.getAttribute('d'))
                .filter(d => d),
            badges: [...el.querySelectorAll('.d2l-lab-diverged')].map(t => t.textContent)
                .filter(t => t),
            readout: el.querySelector('.d2l-lab-readout[aria-live=polite]').textContent,
            start: el.querySelector('.d2l-lab-start').getAttribute('aria-label'),
            image: el.querySelector('.d2l-lab-image').getAttribute('src').slice(0, 80),
            alt: el.querySelector('.d2l-lab-image').getAttribute('alt'),
            pressed: [...el.querySelectorAll('.d2l-lab-key')].map(b => b.getAttribute('aria-pressed')),
            state: model.get('state'), config: spec.config,
            objectives: spec.objectives.map(o => ({name: o.name, axes: o.axes, size: o.size})),
        };
    }""")


def _explorer(state: dict):
    from d2l_opt.explorer import Explorer

    return Explorer.from_config(state["config"])


def _assert_follows_python(state: dict) -> None:
    """Readout, paths and loss curves are what Python computes for the page's state."""
    explorer = _explorer(state)
    traces = explorer.traces(state["state"])
    assert state["readout"] == explorer.readout(state["state"], traces)
    geometry = next(o for o in state["objectives"] if o["name"] == state["state"]["objective"])
    objective = explorer.objective_named(state["state"]["objective"])
    shown = 0
    for d, trace, hidden in zip(state["d"], traces, state["state"]["hidden"]):
        if hidden:
            assert d == ""
            continue
        shown += 1
        _assert_path_matches(d, geometry, objective, trace)
    assert len(state["curves"]) == shown
    diverged = [int(t.diverged_at) for t, h in zip(traces, state["state"]["hidden"])
                if not h and int(t.diverged_at) >= 0]
    assert len(state["badges"]) == 2 * len(diverged)  # labelled in both panels
    for k in diverged:
        assert any(b.endswith(f"diverged at step {k}") for b in state["badges"])


def _assert_path_matches(d: str, geometry: dict, objective, trace) -> None:
    """The drawn path is the Python trace mapped to pixels (drawn in whole tenths of a pixel)."""
    drawn = np.array([int(v) / 10 for v in re.findall(r"-?\d+", d)]).reshape(-1, 2)
    k = int(trace.diverged_at)
    points = trace.points.numpy()[: k + 1] if k >= 0 else trace.points.numpy()
    x0, y0, width, height = geometry["axes"]
    (lo1, hi1), (lo2, hi2) = objective.window
    expected = np.stack([x0 + (points[:, 0] - lo1) / (hi1 - lo1) * width,
                         y0 + (1 - (points[:, 1] - lo2) / (hi2 - lo2)) * height], axis=1)
    assert drawn.shape == expected.shape
    expected = np.clip(expected, -1e5, 1e5)
    off = np.abs(drawn - expected)
    assert (off <= 0.051 + 1e-9 * np.abs(expected)).all(), f"drawn path off by up to {off.max()} px"


def _explorers(view):
    explorers = view.locator("div.d2l-explorer")
    assert explorers.count() > 0, "no static explorer rendered on the page"
    return [explorers.nth(i) for i in range(explorers.count())]


@pytest.mark.parametrize("page", explorer_pages())
def test_every_explorer_follows_python(opened, page):
    """Load state, then each slider and the steps moved with the keyboard (and, where the
    entries are alternatives, each one picked from the drop-down), match Python."""
    view = opened(page).page
    for root in _explorers(view):
        root.scroll_into_view_if_needed()
        _assert_follows_python(_state(root))
        picker = root.locator("select[id$='-pick']")
        choices = picker.locator("option").all_inner_texts() if picker.count() else [None]
        for choice in choices:
            if choice is not None:
                before = _state(root)
                picker.select_option(label=choice)
                after = _state(root)
                assert after["state"]["hidden"].count(False) == 1
                assert choice == before["config"]["entries"][
                    after["state"]["hidden"].index(False)]["label"]
                _assert_follows_python(after)
            _move_every_slider(view, root)


def _move_every_slider(view, root) -> None:
    """Each visible slider (entries', shared and steps) moved one notch by the keyboard."""
    for slider in (root.locator(".d2l-lab-entry:not([hidden]) input[type=range]").all()
                   + root.locator(".d2l-lab-shared input[type=range]").all()
                   + [root.locator("input[id$='-steps']")]):
        before = _state(root)
        slider.focus()
        view.keyboard.press("ArrowLeft" if slider.input_value() != slider.get_attribute("min")
                            else "ArrowRight")
        after = _state(root)
        assert after["state"] != before["state"], "the key moved nothing"
        assert after["d"] != before["d"] and after["readout"] != before["readout"]
        _assert_follows_python(after)


def _scratch_page(browser, tmp_path, explorer, name: str):
    """One explorer alone on a page in ``tmp_path``, opened: the page and its JavaScript errors."""
    page_path = tmp_path / f"{name}.html"
    page_path.write_text(f"<!doctype html><html lang=en><meta charset=utf-8><title>{name}</title>"
                         f"<main>{explorer.static_html()}</main></html>")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    return page, errors


def test_noise_and_batch_sliders_follow_python(browser, tmp_path):
    """The batch slider divides the noise by sqrt(b) in the page exactly as in Python; its
    output says the noise that results."""
    from d2l_opt.objectives import quadratic
    from d2l_opt.optimizers import sgd

    explorer = explore(sgd, quadratic, steps=60, noise=(0.0, 3.0, 0.5, 2.0), batch=(1, 64, 1, 4),
                       eta=(0.05, 0.4, 0.05, 0.1))
    page, errors = _scratch_page(browser, tmp_path, explorer, "batch")
    try:
        root = page.locator("div.d2l-explorer")
        assert root.locator("label", has_text="batch size b").count() == 1
        assert root.locator("label", has_text="gradient noise σ").count() == 1
        batch = root.locator("input[id$='-shared-batch']")
        assert root.locator("output[for$='-shared-batch']").inner_text() == "4 (noise 1)"
        assert batch.get_attribute("aria-valuetext") == "b = 4, noise 1"
        batch.focus()
        for _ in range(4):  # b = 8: noise 2 / sqrt(8), not a short decimal
            page.keyboard.press("ArrowRight")
        state = _state(root)
        assert state["state"]["shared"] == [4, 7]
        assert root.locator("output[for$='-shared-batch']").inner_text() == "8 (noise 0.7071)"
        _assert_follows_python(state)
        root.locator("input[id$='-shared-noise']").focus()
        page.keyboard.press("End")
        _assert_follows_python(_state(root))
        _move_every_slider(page, root)
        assert errors == []
    finally:
        page.close()


def test_pick_shows_one_alternative_with_its_sliders(browser, tmp_path):
    from d2l_opt.objectives import quadratic
    from d2l_opt.optimizers import sgd
    from d2l_opt.schedules import cosine, factor

    explorer = choose("schedule", objective=quadratic, steps=50, noise=1.0,
                      constant=dict(rule=sgd, eta=(0.05, 0.45, 0.05, 0.3)),
                      step=dict(rule=sgd, schedule=factor, step_size=10,
                                eta=(0.05, 0.45, 0.05, 0.3), gamma=(0.1, 1.0, 0.1, 0.5)),
                      cosine=dict(rule=sgd, schedule=cosine, total=50,
                                  eta=(0.05, 0.45, 0.05, 0.3), final=(0.0, 1.0, 0.1, 0.0)))
    page, errors = _scratch_page(browser, tmp_path, explorer, "pick")
    try:
        root = page.locator("div.d2l-explorer")
        assert root.locator("label", has_text="schedule").count() == 1
        assert root.locator(".d2l-lab-key").count() == 0  # no legend: the drop-down picks
        assert root.locator(".d2l-lab-entry:visible").count() == 1
        picker = root.locator("select[id$='-pick']")
        picker.focus()
        page.keyboard.press("ArrowDown")  # the keyboard picks too
        state = _state(root)
        assert state["state"]["hidden"] == [True, False, True]
        assert state["readout"].startswith("step (η = 0.3, γ = 0.5): after 50 steps")
        visible = root.locator(".d2l-lab-entry:visible")
        assert visible.count() == 1 and "step" in visible.locator("legend").inner_text()
        _assert_follows_python(state)
        picker.select_option("2")
        assert root.locator(".d2l-lab-entry:visible input[id$='-final']").count() == 1
        _move_every_slider(page, root)
        assert errors == []
    finally:
        page.close()


def _plot_point(root, state: dict, x1: float, x2: float) -> tuple[float, float]:
    """Where the data point (x1, x2) is on the screen."""
    box = root.locator(".d2l-lab-plot").bounding_box()
    geometry = next(o for o in state["objectives"] if o["name"] == state["state"]["objective"])
    (lo1, hi1), (lo2, hi2) = _explorer(state).objective_named(geometry["name"]).window
    x0, y0, width, height = geometry["axes"]
    px = x0 + (x1 - lo1) / (hi1 - lo1) * width
    py = y0 + (1 - (x2 - lo2) / (hi2 - lo2)) * height
    scale = box["width"] / geometry["size"][0]
    return box["x"] + px * scale, box["y"] + py * scale


def test_drag_moves_the_start_and_the_paths(opened):
    view = opened("chapters/momentum").page
    root = next(r for r in _explorers(view) if len(_state(r)["d"]) == 2)  # GD vs momentum
    root.scroll_into_view_if_needed()
    before = _state(root)
    handle = root.locator(".d2l-lab-start").bounding_box()
    view.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    view.mouse.down()
    for fraction in (0.3, 0.6, 1.0):  # a drag, not a jump: every move redraws
        x, y = _plot_point(root, before, -5 + 2.5 * fraction, -2 + 2.7 * fraction)
        view.mouse.move(x, y)
    view.mouse.up()
    after = _state(root)
    start = after["state"]["start"]
    assert abs(start[0] - -2.5) <= 0.02 and abs(start[1] - 0.7) <= 0.02, start
    assert after["d"][0] != before["d"][0] and after["d"][1] != before["d"][1]
    assert after["curves"] != before["curves"] and after["start"] != before["start"]
    assert after["start"] == (f"start point x₁ = {start[0]:.4g}, x₂ = {start[1]:.4g}; "
                              "arrow keys move it")
    _assert_follows_python(after)
    # A click elsewhere on the plot moves the start there too.
    view.mouse.click(*_plot_point(root, after, -4.0, 0.5))
    assert _state(root)["state"]["start"] == [-4.0, 0.5]
    _assert_follows_python(_state(root))


def test_arrow_keys_move_the_start(opened):
    view = opened("chapters/sgd").page
    root = _explorers(view)[0]
    root.scroll_into_view_if_needed()
    before = _state(root)
    root.locator(".d2l-lab-start").focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowUp", "Shift+ArrowUp"):
        view.keyboard.press(key)
    after = _state(root)
    x1, x2 = before["state"]["start"]
    assert after["state"]["start"] == [round(x1 + 0.2, 2), round(x2 + 0.11, 2)]
    assert after["start"] != before["start"] and after["d"] != before["d"]
    _assert_follows_python(after)


def test_dropdown_switches_the_surface(opened):
    view = opened("chapters/adam").page
    root = next(r for r in _explorers(view) if r.locator("select").count())
    root.scroll_into_view_if_needed()
    before = _state(root)
    assert before["state"]["objective"] == "rosenbrock"
    label = root.locator("label", has_text="objective")
    assert label.count() == 1
    root.locator("select").select_option("double_well")
    after = _state(root)
    assert after["state"]["objective"] == "double_well"
    assert after["image"] != before["image"] and "(x_1^2 - 1)^2" in after["alt"]
    assert after["d"] != before["d"] and after["readout"] != before["readout"]
    _assert_follows_python(after)
    root.locator("select").select_option("rotated_ill_conditioned")
    _assert_follows_python(_state(root))


def test_legend_toggles_a_path(opened):
    view = opened("chapters/adam").page
    root = next(r for r in _explorers(view) if len(_state(r)["d"]) == 3)
    root.scroll_into_view_if_needed()
    keys = root.locator(".d2l-lab-key")
    keys.nth(1).click()
    hidden = _state(root)
    assert hidden["pressed"] == ["true", "false", "true"] and hidden["d"][1] == ""
    assert root.locator(".d2l-lab-key").nth(1).get_attribute("aria-pressed") == "false"
    assert "rmsprop" not in hidden["readout"] and len(hidden["curves"]) == 2
    _assert_follows_python(hidden)
    keys.nth(1).press("Enter")  # a button: the keyboard toggles it too
    shown = _state(root)
    assert shown["pressed"] == ["true"] * 3 and "rmsprop (η = " in shown["readout"]
    _assert_follows_python(shown)


def test_hovering_one_panel_marks_the_step_in_both(opened):
    view = opened("chapters/momentum").page
    root = _explorers(view)[0]
    root.scroll_into_view_if_needed()
    box = root.locator(".d2l-lab-loss").bounding_box()
    view.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] / 2)
    lab = root.locator(".d2l-lab")
    marked = int(lab.get_attribute("data-marked"))
    assert 0 < marked < 20
    assert root.locator(".d2l-lab-overlay .d2l-lab-mark").count() >= 1
    assert root.locator(".d2l-lab-loss .d2l-lab-mark").count() >= 1
    view.mouse.move(1, 1)
    assert lab.get_attribute("data-marked") is None


def test_keyboard_marks_a_step_and_hears_every_loss(opened):
    """The mark-step slider does with the keyboard what hovering does, and says each shown
    path's loss at the marked step in the book's wording."""
    view = opened("chapters/momentum").page
    root = next(r for r in _explorers(view) if len(_state(r)["d"]) == 2)  # GD vs momentum
    root.scroll_into_view_if_needed()
    marker = root.locator("input[id$='-mark']")
    assert root.locator("label", has_text="mark step").count() == 1
    assert marker.get_attribute("aria-valuetext") == "no step marked; arrow keys mark one"
    marker.focus()
    for _ in range(3):
        view.keyboard.press("ArrowRight")
    state = _state(root)
    assert root.locator(".d2l-lab").get_attribute("data-marked") == "3"
    assert root.locator(".d2l-lab-overlay .d2l-lab-mark").count() == 2
    explorer = _explorer(state)
    traces = explorer.traces(state["state"])
    said = [f"{e.label}: f(x) = {float(t.losses[3]):.4g}" if not 0 <= int(t.diverged_at) <= 3
            else f"{e.label}: diverged at step {int(t.diverged_at)}"
            for e, t in zip(explorer.entries, traces)]
    assert marker.get_attribute("aria-valuetext") == "step 3: " + "; ".join(said)
    view.keyboard.press("End")
    assert marker.get_attribute("max") == str(state["state"]["steps"])
    assert root.locator(".d2l-lab").get_attribute("data-marked") == str(state["state"]["steps"])


# --- the page's engine equals d2l_opt.traces ---------------------------------------------------

SETTINGS_PER_PAIR = 24


def _random_cases(seed: int = 20260101) -> list[dict]:
    """Every rule x every objective x SETTINGS_PER_PAIR random settings, start points, step
    counts, noise and schedules, wider than the chapters' sliders go."""
    from d2l_opt.objectives import OBJECTIVES
    from d2l_opt.optimizers import RULES
    from d2l_opt.schedules import exponential, piecewise_constant, polynomial

    rng = random.Random(seed)
    cases = []
    for rule_name, rule in RULES.items():
        for objective_name, objective in OBJECTIVES.items():
            for _ in range(SETTINGS_PER_PAIR):
                hyper = {}
                for name in rule.hyperparameters:
                    if name == "eta":
                        hyper[name] = round(10 ** rng.uniform(-2.5, 0.4), 3)
                    elif name == "eps":
                        hyper[name] = rng.choice([1e-8, 1e-6, 1e-3, 0.1] + [0.0] * (
                            rule_name != "adadelta"))
                    else:
                        hyper[name] = round(rng.uniform(0.0, 0.999), 3)
                schedule, schedule_params = None, {}
                if "eta" in hyper and rng.random() < 0.4:
                    schedule, schedule_params = rng.choice([
                        (exponential, {"lam": round(rng.uniform(0.0, 0.2), 3)}),
                        (polynomial, {"alpha": round(rng.uniform(0.0, 1.0), 2),
                                      "lam": round(rng.uniform(0.01, 0.5), 2)}),
                        (piecewise_constant, {})])
                (lo1, hi1), (lo2, hi2) = objective.window
                cases.append({"rule": rule_name, "objective": objective_name,
                              "start": [round(rng.uniform(lo1, hi1), 2),
                                        round(rng.uniform(lo2, hi2), 2)],
                              "steps": rng.randint(1, 200), "hyper": hyper,
                              "noise": rng.choice([0.0, 0.0, 0.5, 1.0]),
                              "seed": rng.randint(0, 999), "schedule": schedule,
                              "schedule_params": schedule_params})
    return cases


def _python_run(case: dict):
    from d2l_opt.objectives import OBJECTIVES
    from d2l_opt.optimizers import RULES
    from d2l_opt.traces import run_trace

    return run_trace(RULES[case["rule"]], OBJECTIVES[case["objective"]], steps=case["steps"],
                     start=case["start"], noise=case["noise"], seed=case["seed"],
                     schedule=case["schedule"], **case["hyper"], **case["schedule_params"])


def _engine_runs(view, cases: list[dict]) -> list[dict]:
    """The page's own engine (window.D2LExplorer.engine) on every case, with the inputs the
    page embeds: noise draws and schedule factors as d2l_opt.traces rounds them."""
    from d2l_opt.objectives import OBJECTIVES
    from d2l_opt.optimizers import RULES
    from d2l_opt.traces import DIVERGENCE_FACTOR, FACTOR_QUANTUM, noise_draws, schedule_factor

    args = []
    for case in cases:
        factors = None
        if case["schedule"] is not None:
            # update t runs after t - 1 updates: schedule(t - 1), as d2l_opt.traces counts
            factors = [int(schedule_factor(case["schedule"], t - 1, **case["schedule_params"])
                           * FACTOR_QUANTUM) for t in range(1, case["steps"] + 1)]
        args.append({"rule": case["rule"], "objective": case["objective"],
                     "start": case["start"], "steps": case["steps"],
                     "hyper": RULES[case["rule"]].resolve(**case["hyper"]),
                     "window": [list(w) for w in OBJECTIVES[case["objective"]].window],
                     "noise": case["noise"], "divergence": DIVERGENCE_FACTOR,
                     "draws": (noise_draws(case["steps"], case["seed"]).flatten().tolist()
                               if case["noise"] else None),
                     "factors": factors})
    return view.evaluate("""all => all.map(a => {
        const r = window.D2LExplorer.engine.run(a);
        return {points: Array.from(r.points), losses: Array.from(r.losses), k: r.divergedAt};
    })""", args)


def _correctly_rounded_sqrt(x: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.sqrt(x.detach().numpy()))


def _compare(engine: dict, trace) -> float | None:
    """max |delta| of points and losses for a run in the window; None if the divergence
    steps differ; 0 for runs that diverge at the same step."""
    k = int(trace.diverged_at)
    if engine["k"] != k:
        return None
    if k >= 0:
        return 0.0
    points = np.abs(np.array(engine["points"]) - trace.points.flatten().numpy()).max()
    losses = np.abs(np.array(engine["losses"]) - trace.losses.numpy())
    scale = np.maximum(1.0, np.abs(trace.losses.numpy()))
    return float(max(points, (losses / scale).max()))


def test_page_engine_equals_python_traces(opened, monkeypatch):
    """Every rule x every objective x 24 random settings (noise and schedules included).

    torch's sqrt (MKL's vectorized one) is not correctly rounded: about 2 % of its results
    differ by one ulp from the correctly rounded square root that JavaScript's Math.sqrt
    (and numpy) give. Every other operation of the rules is an IEEE operation that both
    compute alike. So the strict check runs d2l_opt.traces with a correctly rounded sqrt and
    requires max |delta| <= 1e-9 on runs that stay in the window and the same divergence
    step on runs that leave it. The second check, with torch's own sqrt, requires the same of
    every run that this one-ulp difference does not itself move by more than 1e-9 in Python
    (chaotic runs, which another CPU's sqrt would move as much); it counts those runs.
    """
    view = opened("chapters/sgd").page
    cases = _random_cases()
    engine = _engine_runs(view, cases)
    stock = [_python_run(case) for case in cases]
    with monkeypatch.context() as patch:
        patch.setattr(torch, "sqrt", _correctly_rounded_sqrt)
        exact = [_python_run(case) for case in cases]

    deltas = [_compare(e, t) for e, t in zip(engine, exact)]
    failures = [(c["rule"], c["objective"], d) for c, d in zip(cases, deltas)
                if d is None or d > 1e-9]
    assert failures == [], failures[:10]
    assert {(c["rule"], c["objective"]) for c in cases} == {
        (r, o) for r in ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "yogi")
        for o in ("quadratic", "ill_conditioned", "rotated_ill_conditioned", "rosenbrock",
                  "double_well")}
    assert sum(int(t.diverged_at) >= 0 for t in exact) >= 20, "too few diverging runs tried"
    assert sum(c["noise"] > 0 for c in cases) >= 200 and sum(
        c["schedule"] is not None for c in cases) >= 100

    chaotic = 0
    for case, e, s, x in zip(cases, engine, stock, exact):
        own = _compare({"points": x.points.flatten().tolist(), "losses": x.losses.tolist(),
                        "k": int(x.diverged_at)}, s)
        if own is None or own > 1e-9:
            chaotic += 1
            continue
        delta = _compare(e, s)
        assert delta is not None and delta <= 1e-9, (case, delta)
    print(f"\n{len(cases)} runs; {chaotic} chaotic (torch's own sqrt moves them by > 1e-9)")
    assert chaotic <= 0.05 * len(cases)


def test_rule_without_twin_shows_its_precomputed_paths(browser, tmp_path):
    """A student's rule in the static page: drawn from the embedded grid, with a note, and
    worded as unavailable on a surface it was not precomputed for."""
    from d2l_opt.objectives import quadratic, rosenbrock

    explorer = race(signs=dict(rule=sign_descent(), eta=(0.1, 0.5, 0.1, 0.2)),
                    sgd=dict(eta=(0.1, 0.5, 0.1, 0.2)), objective=quadratic,
                    objectives=[rosenbrock])
    page, errors = _scratch_page(browser, tmp_path, explorer, "own-rule")
    try:
        root = page.locator("div.d2l-explorer")
        assert root.locator(".d2l-lab-note").inner_text().startswith(
            "signs has no JavaScript twin: the page shows its paths precomputed on quadratic")
        state = _state(root)
        assert state["readout"] == explorer.readout()
        traces = explorer.traces()
        geometry = state["objectives"][0]
        # The grid's points are stored to 1/8192 of the window: about 0.05 px here.
        drawn = np.array([int(v) / 10 for v in re.findall(r"-?\d+", state["d"][0])])
        x0, y0, width, height = geometry["axes"]
        (lo1, hi1), (lo2, hi2) = quadratic.window
        points = traces[0].points.numpy()
        expected = np.stack([x0 + (points[:, 0] - lo1) / (hi1 - lo1) * width,
                             y0 + (1 - (points[:, 1] - lo2) / (hi2 - lo2)) * height], axis=1)
        assert np.abs(drawn.reshape(-1, 2) - expected).max() <= 0.2
        root.locator("input[id$='-p0-eta']").focus()
        page.keyboard.press("ArrowRight")  # eta = 0.3, still from the grid
        state = _state(root)
        assert state["readout"] == explorer.readout(state["state"])
        root.locator("select").select_option("rosenbrock")
        state = _state(root)
        assert state["d"][0] == "" and state["d"][1] != ""
        assert state["readout"].startswith(
            "signs: precomputed on quadratic from (-5, -2) only; sgd (η = 0.2): ")
        assert errors == []
    finally:
        page.close()

