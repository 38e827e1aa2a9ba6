"""The explorer: precomputed grid, static page view, live view and bad slider ranges."""
from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
import torch

from d2l_opt.explorer import MAX_EMBED_BYTES, Explorer, explore
from d2l_opt.objectives import ill_conditioned, quadratic
from d2l_opt.optimizers import momentum, sgd
from d2l_opt.schedules import polynomial


@pytest.fixture(scope="module")
def momentum_explorer() -> Explorer:
    return explore(momentum, ill_conditioned, eta=(0.05, 1.0, 0.05, 0.6),
                   beta=(0.0, 0.9, 0.1, 0.5))


def spec_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', html)
    return json.loads(match.group(1))


def test_grid_equals_single_runs(momentum_explorer):
    explorer = momentum_explorer
    assert explorer.grid.points.shape == (20 * 10, 21, 2)
    for flat in [0, 7, 55, 120, 199]:
        values = explorer.setting(flat)
        single = explorer.trace(**values)
        torch.testing.assert_close(explorer.grid.points[flat], single.points, rtol=0, atol=0)
        assert int(explorer.grid.diverged_at[flat]) == int(single.diverged_at)
    assert explorer.setting(explorer.default_index) == {"eta": 0.6, "beta": 0.5}


def test_static_view_embeds_the_grid(momentum_explorer):
    html = momentum_explorer.static_html()
    spec = spec_of(html)
    points = np.frombuffer(base64.b64decode(spec["points"]["int16"]), dtype="<i2")
    points = points.reshape(200, 21, 2)
    (lo1, hi1), (lo2, hi2) = ill_conditioned.window
    offset = spec["offset"][0] / spec["offset"][1]
    decoded = ((points - offset) / spec["scale"] * np.array([hi1 - lo1, hi2 - lo2])
               + np.array([lo1, lo2]))
    inside = np.abs(momentum_explorer.grid.points.numpy()).max(-1) < 3
    np.testing.assert_allclose(decoded[inside], momentum_explorer.grid.points.numpy()[inside],
                               atol=1e-3)
    diverged = np.frombuffer(base64.b64decode(spec["diverged"]["int16"]), dtype="<i2")
    assert diverged.tolist() == momentum_explorer.grid.diverged_at.tolist()
    # Final losses carry only the digits the readout prints, so the page is the same on
    # every CPU; a diverged setting has none.
    for loss, k, final in zip(momentum_explorer.grid.losses[:, -1].tolist(), diverged,
                              spec["final_losses"]):
        assert final is None if k >= 0 else final == float(f"{loss:.4g}")
    assert Explorer.from_config(spec["config"]).config() == momentum_explorer.config()


def test_static_view_is_accessible_and_offline(momentum_explorer):
    html = momentum_explorer.static_html()
    for name in ("eta", "beta"):
        input_id = re.search(rf'<input type="range" id="([^"]+-{name})"', html).group(1)
        assert f'<label for="{input_id}"' in html
        assert 'aria-valuetext="' in html
    assert 'aria-live="polite"' in html
    assert "http" not in html.replace("http://www.w3.org", "")
    assert "eval(" not in html and "innerHTML" not in html
    assert html == momentum_explorer.static_html(), "the static view must be deterministic"


def test_text_summary_names_the_default_trace(momentum_explorer):
    text = repr(momentum_explorer)
    assert "η in [0.05, 1] step 0.05, β in [0, 0.9] step 0.1 (200 settings" in text
    assert "default η = 0.6, β = 0.5: after 20 steps: f(x) = " in text


def test_divergence_is_labelled():
    explorer = explore(sgd, ill_conditioned, eta=(0.1, 0.7, 0.1, 0.6))
    values = {"eta": 0.6}
    trace = explorer.trace(**values)
    assert explorer.readout(values, trace) == f"η = 0.6: diverged at step {int(trace.diverged_at)}"
    assert "diverge)" in repr(explorer)


def test_schedule_parameters_get_sliders():
    explorer = explore(sgd, quadratic, schedule=polynomial, eta=(0.05, 0.2, 0.05, 0.1),
                       alpha=(0.0, 1.0, 0.5, 0.5), lam=0.1, noise=1.0, steps=30, seed=2)
    assert [s.symbol for s in explorer.sliders] == ["η", "α"]
    single = explorer.trace(eta=0.15, alpha=1.0)
    flat = explorer.flat_index([2, 2])
    torch.testing.assert_close(explorer.grid.points[flat], single.points, rtol=0, atol=0)


@pytest.mark.parametrize("params, message", [
    (dict(eta=(0.5, 0.1, 0.1, 0.3)), r"slider eta needs lo < hi, got lo=0.5, hi=0.1"),
    (dict(eta=(0.1, 0.5, 0.0, 0.3)), r"slider eta needs step > 0, got step=0.0"),
    (dict(eta=(0.1, 0.5, -0.1, 0.3)), r"slider eta needs step > 0, got step=-0.1"),
    (dict(eta=(0.1, 0.5, 0.1, 0.33)), r"slider eta: default=0.33 is not one of its values"),
    (dict(eta=(0.1, 0.5, 0.1)), r"slider eta must be \(lo, hi, step, default\)"),
    (dict(eta=0.1), "explore needs at least one slider"),
    (dict(eta=(0.001, 1.0, 0.001, 0.1), beta=(0.0, 0.9, 0.1, 0.5)),
     r"a grid of 10000 settings x 20 steps would embed \d+ kB in the page, over the budget"),
])
def test_bad_slider_ranges_are_named(params, message):
    rule = momentum if "beta" in params else sgd
    with pytest.raises(ValueError, match=message):
        explore(rule, ill_conditioned, **params)
    assert MAX_EMBED_BYTES <= 700_000


def test_live_view_reruns_the_rule(monkeypatch):
    import ipywidgets

    monkeypatch.setenv("D2L_OPT_NO_WIDGETS", "0")
    explorer = explore(momentum, ill_conditioned, eta=(0.1, 0.7, 0.1, 0.6),
                       beta=(0.0, 0.5, 0.25, 0.5))
    bundle = explorer._repr_mimebundle_()
    assert {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    box = explorer.widget()
    image, readout = box.children[-2], box.children[-1]
    assert isinstance(image, ipywidgets.Image) and bytes(image.value).startswith(b"\x89PNG")
    first_png, first_text = bytes(image.value), readout.value
    box.sliders[1].value = 0.0  # beta = 0: plain gradient descent at eta = 0.6 diverges
    assert bytes(image.value) != first_png
    trace = explorer.trace(eta=0.6, beta=0.0)
    assert readout.value == explorer.readout({"eta": 0.6, "beta": 0.0}, trace)
    assert "diverged at step" in readout.value and readout.value != first_text


def test_headless_execution_makes_no_widget(monkeypatch):
    import ipywidgets

    monkeypatch.setenv("D2L_OPT_NO_WIDGETS", "1")
    created = []
    monkeypatch.setattr(ipywidgets.Widget, "open", lambda self: created.append(self))
    bundle = explore(sgd, quadratic, eta=(0.1, 0.3, 0.1, 0.1))._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"} and created == []
