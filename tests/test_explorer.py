"""The explorer: its spec, the one wording of outcomes, the page's inputs, the fallback grid
for rules without a JavaScript twin, the live widget, and bad input named."""
from __future__ import annotations

import base64
import dataclasses
import json
import re

import numpy as np
import pytest
import torch

from d2l_opt.explorer import (MAX_EMBED_BYTES, TEMPLATES, Explorer, choose, explore,
                              has_js_twin, outcome, race)
from d2l_opt.explorer.static import page_spec
from d2l_opt.objectives import (OBJECTIVES, Objective, double_well, ill_conditioned, quadratic,
                                rosenbrock, rotated_ill_conditioned)
from d2l_opt.optimizers import RULES, momentum, sgd
from d2l_opt.schedules import polynomial
from d2l_opt.traces import (FACTOR_QUANTUM, describe, noise_draws, run_grid, run_trace,
                            schedule_factor)
from own_rule import sign_descent  # tests/ is on sys.path, as for conftest

SPEC = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>')


def spec_of(html: str) -> dict:
    return json.loads(SPEC.search(html).group(1))


def ints(blob: dict) -> np.ndarray:
    (kind, data), = blob.items()
    return np.frombuffer(base64.b64decode(data), dtype={"int16": "<i2", "int32": "<i4"}[kind])


@pytest.fixture(scope="module")
def momentum_explorer() -> Explorer:
    return explore(momentum, ill_conditioned, eta=(0.05, 1.0, 0.05, 0.6),
                   beta=(0.0, 0.9, 0.1, 0.5))


@pytest.fixture(scope="module")
def adam_race() -> Explorer:
    return race(adam=dict(eta=(0.05, 0.5, 0.05, 0.1)), rmsprop=dict(eta=(0.01, 0.1, 0.01, 0.05)),
                momentum=dict(eta=0.001, beta=(0.0, 0.9, 0.1, 0.9)), objective=rosenbrock,
                objectives=[ill_conditioned, rotated_ill_conditioned, double_well],
                start=(-1.5, 2.5), steps=100)


# --- the one wording ------------------------------------------------------------------------

def test_outcomes_are_worded_once():
    assert outcome(20, 0.0033231, -1) == "after 20 steps: f(x) = 0.003323"
    assert outcome(20, float("inf"), 7) == "diverged at step 7"
    trace = run_trace(sgd, quadratic, eta=0.1)
    assert describe(trace) == outcome(20, float(trace.losses[-1]), -1)
    assert describe(run_trace(sgd, ill_conditioned, eta=0.6)).startswith("diverged at step ")


def test_readout_words_every_path(momentum_explorer, adam_race):
    state = momentum_explorer.default_state()
    trace = momentum_explorer.traces(state)[0]
    assert momentum_explorer.readout(state) == (
        "η = 0.6, β = 0.5: " + outcome(20, float(trace.losses[-1]), int(trace.diverged_at)))
    text = adam_race.readout()
    assert text.startswith("adam (η = 0.1): after 100 steps: f(x) = ")
    assert "; rmsprop (η = 0.05): " in text and "; momentum (β = 0.9): " in text
    state = adam_race.default_state()
    state["hidden"] = [True, False, True]
    assert adam_race.readout(state).startswith("rmsprop (η = 0.05): ")
    state["hidden"] = [True] * 3
    assert adam_race.readout(state) == TEMPLATES["all_hidden"]


def test_repr_names_the_sliders_and_the_default_outcome(momentum_explorer, adam_race):
    text = repr(momentum_explorer)
    assert "momentum: η in [0.05, 1] step 0.05, β in [0, 0.9] step 0.1" in text
    assert "default η = 0.6, β = 0.5: after 20 steps: f(x) = " in text
    text = repr(adam_race)
    assert "objectives: rosenbrock, ill_conditioned, rotated_ill_conditioned, double_well" in text
    assert "default adam (η = 0.1): after 100 steps" in text


# --- the spec and the page's inputs ----------------------------------------------------------

def test_config_rebuilds_the_explorer(momentum_explorer, adam_race):
    for explorer in (momentum_explorer, adam_race):
        config = json.loads(json.dumps(explorer.config()))
        assert Explorer.from_config(config).config() == explorer.config()
    spec = spec_of(adam_race.static_html())
    assert Explorer.from_config(spec["config"]).readout() == adam_race.readout()


def test_state_reruns_each_rule(adam_race):
    state = adam_race.default_state()
    state.update(objective="double_well", start=[0.01, 1.2], steps=37)
    state["positions"][2] = [5]  # beta = 0.5
    traces = adam_race.traces(state)
    expected = run_trace(momentum, double_well, steps=37, start=(0.01, 1.2), eta=0.001, beta=0.5)
    torch.testing.assert_close(traces[2].points, expected.points, rtol=0, atol=0)
    with pytest.raises(ValueError, match="objective 'quadratic' is not offered"):
        adam_race.traces({**state, "objective": "quadratic"})


def test_page_gets_the_quantized_inputs_run_grid_uses():
    explorer = explore(sgd, quadratic, steps=30, noise=1.0, seed=3, schedule=polynomial,
                       lam=0.1, eta=(0.05, 0.2, 0.05, 0.1), alpha=(0.0, 1.0, 0.5, 0.5))
    spec = page_spec(explorer, "x")
    draws = ints(spec["draws"]).reshape(-1, 2)
    assert draws.shape == (explorer.max_steps, 2) and explorer.max_steps == 200
    assert np.array_equal(draws, noise_draws(200, 3).numpy())
    entry = spec["entries"][0]
    assert [s["kind"] for s in entry["sliders"]] == ["rule", "schedule"]
    assert entry["engine"] and entry["grid"] is None and entry["note"] is None
    factors = ints(entry["schedule"]["factors"]).reshape(3, 200)  # alpha = 0, 0.5, 1
    for row, alpha in zip(factors, (0.0, 0.5, 1.0)):
        # update 30 runs after 29 taken: schedule(29), as torch's schedulers count
        assert row[29] == schedule_factor(polynomial, 29, alpha=alpha, lam=0.1) * FACTOR_QUANTUM
    assert entry["hyper"] == {}  # sgd's eta is a slider; no fixed hyperparameter
    # The run the page reproduces uses exactly these inputs.
    trace = run_trace(sgd, quadratic, steps=2, eta=0.1, noise=1.0, seed=3)
    g0 = quadratic.grad(torch.tensor([-5.0, -2.0], dtype=torch.float64))
    first = torch.tensor([-5.0, -2.0], dtype=torch.float64) - 0.1 * (
        g0 + 1.0 * (torch.tensor(draws[0], dtype=torch.float64) / 1e6))
    assert torch.equal(trace.points[1], first)


def test_rule_defaults_reach_the_page(adam_race):
    entries = page_spec(adam_race, "x")["entries"]
    assert entries[0]["hyper"] == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-6}
    assert entries[2]["hyper"] == {"eta": 0.001}
    assert [o["name"] for o in page_spec(adam_race, "x")["objectives"]] == [
        "rosenbrock", "ill_conditioned", "rotated_ill_conditioned", "double_well"]


def test_static_view_is_accessible_offline_and_deterministic(momentum_explorer):
    html = momentum_explorer.static_html()
    assert html == momentum_explorer.static_html()
    assert 'class="d2l-explorer"' in html and "d2l-lab-readout" in html
    assert "http" not in html.replace("http://www.w3.org", "")
    assert "eval(" not in html and "innerHTML" not in html and "new Function" not in html
    assert "</script" not in SPEC.search(html).group(1)
    assert html.count("<script") == 2


def test_stored_page_carries_no_machine_dependent_number(adam_race):
    from test_stored_outputs import machine_dependent  # tests/ is on sys.path, as for conftest

    noisy = explore(sgd, quadratic, steps=50, noise=1.0, seed=0, schedule=polynomial,
                    lam=0.1, eta=(0.01, 0.6, 0.01, 0.1), alpha=(0.0, 1.0, 0.05, 0.5))
    for explorer in (adam_race, noisy):
        assert machine_dependent(explorer.static_html()) == []


# --- a rule without a JavaScript twin ------------------------------------------------------

my_rule = sign_descent()


def test_twins_are_the_book_rules_registered_by_name():
    assert all(has_js_twin(rule) for rule in RULES.values())
    assert all(has_js_twin(o) for o in OBJECTIVES.values())
    assert not has_js_twin(my_rule)
    assert not has_js_twin(dataclasses.replace(sgd, update=my_rule.update))  # named sgd, not sgd
    own = Objective("bowl", "x_1^2", lambda x: (x ** 2).sum(-1), (0.0, 0.0),
                    ((-1.0, 1.0), (-1.0, 1.0)))
    assert not has_js_twin(own)


def test_rule_without_twin_falls_back_to_a_grid():
    explorer = race(signs=dict(rule=my_rule, eta=(0.1, 0.5, 0.1, 0.2)),
                    sgd=dict(eta=(0.1, 0.5, 0.1, 0.2)), objective=quadratic,
                    objectives=[rosenbrock])
    assert "signs: η in [0.1, 0.5] step 0.1 (no JavaScript twin" in repr(explorer)
    html = explorer.static_html()
    entry, book = spec_of(html)["entries"]
    assert book["engine"] and book["grid"] is None
    assert not entry["engine"] and entry["note"] == (
        "signs has no JavaScript twin: the page shows its paths precomputed on quadratic "
        "from (-5, -2) for up to 20 steps; in a running notebook it follows every control.")
    grid = entry["grid"]
    points = ints(grid["points"]).reshape(5, 21, 2)
    offset = grid["offset"][0] / grid["offset"][1]
    (lo1, hi1), (lo2, hi2) = quadratic.window
    decoded = ((points - offset) / grid["scale"] * np.array([hi1 - lo1, hi2 - lo2])
               + np.array([lo1, lo2]))
    expected = run_grid(my_rule, quadratic, eta=[0.1, 0.2, 0.3, 0.4, 0.5])
    np.testing.assert_allclose(decoded, expected.points.numpy(), atol=1e-3)
    assert grid["losses"][1][20] == float(f"{float(expected.losses[1, 20]):.4g}")
    assert ints(grid["diverged"]).tolist() == expected.diverged_at.tolist()


def test_fallback_grid_has_a_budget():
    with pytest.raises(ValueError, match=r"signs has no JavaScript twin, so the page embeds its "
                                         r"paths: 5000 settings x 20 steps would embed \d+ kB"):
        explore(my_rule, quadratic, eta=(0.001, 5.0, 0.001, 0.1)).static_html()
    assert MAX_EMBED_BYTES <= 700_000


# --- shared noise and batch sliders, alternatives picked from a drop-down -------------------

@pytest.fixture
def batch_explorer() -> Explorer:
    return explore(sgd, quadratic, steps=40, noise=(0.0, 3.0, 0.5, 2.0), batch=(1, 16, 1, 4),
                   eta=(0.05, 0.4, 0.05, 0.1))


def test_batch_slider_scales_the_noise_by_one_over_sqrt_b(batch_explorer):
    state = batch_explorer.default_state()
    assert state["shared"] == [4, 3] and batch_explorer.noise_at(state) == 2.0 / 2.0
    state["shared"] = [6, 8]  # sigma = 3, b = 9
    assert batch_explorer.noise_at(state) == 1.0
    (trace,) = batch_explorer.traces(state)
    expected = run_trace(sgd, quadratic, steps=40, noise=1.0, eta=0.1)
    assert torch.equal(trace.points, expected.points)
    del state["shared"]  # a state saved before the shared sliders existed: their defaults
    assert batch_explorer.noise_at(state) == 1.0
    state["shared"] = [0, 0]  # no noise at all: plain gradient descent
    assert torch.equal(batch_explorer.traces(state)[0].points,
                       run_trace(sgd, quadratic, steps=40, eta=0.1).points)


def test_page_gets_the_shared_sliders_and_the_draws(batch_explorer):
    spec = spec_of(batch_explorer.static_html())
    assert [s["name"] for s in spec["shared"]] == ["noise", "batch"]
    assert [s["symbol"] for s in spec["shared"]] == ["σ", "b"]
    assert spec["shared"][1]["values"] == list(range(1, 17))
    assert ints(spec["draws"]).reshape(-1, 2).tolist() == noise_draws(200, 0).tolist()
    assert "σ in [0, 3] step 0.5, b in [1, 16] step 1 (noise σ/√b)" in repr(batch_explorer)
    rebuilt = Explorer.from_config(batch_explorer.config())
    assert repr(rebuilt) == repr(batch_explorer)
    assert rebuilt.static_html() == batch_explorer.static_html()


def test_a_noise_slider_alone_needs_no_fixed_noise():
    explorer = race(gd=dict(rule=sgd, eta=0.1), momentum=dict(eta=0.1, beta=0.5),
                    objective=quadratic, noise=(0.0, 2.0, 0.25, 0.0))
    state = explorer.default_state()
    assert explorer.noise_at(state) == 0.0 and spec_of(explorer.static_html())["draws"]
    state["shared"] = [4]
    assert explorer.noise_at(state) == 1.0
    assert explorer.readout(state) != explorer.readout()


@pytest.fixture
def schedules_explorer() -> Explorer:
    return choose("schedule", objective=quadratic, steps=30, noise=1.0,
                  constant=dict(rule=sgd, eta=(0.1, 0.4, 0.1, 0.3)),
                  step=dict(rule=sgd, schedule=polynomial, eta=(0.1, 0.4, 0.1, 0.3),
                            alpha=(0.0, 1.0, 0.5, 0.5)))


def test_pick_shows_one_entry_at_a_time(schedules_explorer):
    state = schedules_explorer.default_state()
    assert state["hidden"] == [False, True]
    assert schedules_explorer.readout(state).startswith("constant (η = 0.3): after 30 steps")
    state["hidden"] = [True, False]
    assert schedules_explorer.readout(state).startswith("step (η = 0.3, α = 0.5): after 30")
    spec = spec_of(schedules_explorer.static_html())
    assert spec["pick"] == "schedule" and spec["state"]["hidden"] == [False, True]
    assert "schedule: one of constant, step, picked from a drop-down" in repr(schedules_explorer)
    assert repr(Explorer.from_config(schedules_explorer.config())) == repr(schedules_explorer)


@pytest.mark.parametrize("kwargs, message", [
    (dict(noise=(0.5, 0.1, 0.1, 0.3)), r"slider noise needs lo < hi, got lo=0.5, hi=0.1"),
    (dict(noise=(-1.0, 1.0, 0.5, 0.0)), r"slider noise needs lo >= 0, got lo=-1.0"),
    (dict(noise=1.0, batch=(0, 8, 1, 1)), r"slider batch needs lo >= 1, got lo=0.0"),
    (dict(noise=1.0, batch=4), r"batch must be a slider \(lo, hi, step, default\), got 4"),
    (dict(batch=(1, 8, 1, 1)), r"batch scales the gradient noise .*: give noise > 0"),
])
def test_bad_shared_slider_is_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore(sgd, quadratic, eta=0.1, **kwargs)


def test_pick_needs_two_entries_and_a_word():
    with pytest.raises(ValueError, match=r"pick names what the drop-down chooses .* got "
                                         r"pick='schedule' with 1 entry"):
        choose("schedule", objective=quadratic, constant=dict(rule=sgd, eta=0.1))
    with pytest.raises(ValueError, match=r"got pick=''"):
        choose("", objective=quadratic, a=dict(rule=sgd, eta=0.1), b=dict(rule=sgd, eta=0.2))


# --- bad input, named ---------------------------------------------------------------------

@pytest.mark.parametrize("params, message", [
    (dict(eta=(0.5, 0.1, 0.1, 0.3)), r"slider eta needs lo < hi, got lo=0.5, hi=0.1"),
    (dict(eta=(0.1, 0.5, 0.0, 0.3)), r"slider eta needs step > 0, got step=0.0"),
    (dict(eta=(0.1, 0.5, -0.1, 0.3)), r"slider eta needs step > 0, got step=-0.1"),
    (dict(eta=(0.1, 0.5, 0.1, 0.33)), r"slider eta: default=0.33 is not one of its values"),
    (dict(eta=(0.1, 0.5, 0.1)), r"slider eta must be \(lo, hi, step, default\)"),
    (dict(eta=0.1, gamma=(0.1, 0.5, 0.1, 0.3)), r"unknown parameter\(s\) gamma: sgd takes eta"),
    (dict(eta=-0.1), "eta must be a finite number > 0, got -0.1"),
    (dict(eta=0.1, steps=0), "steps must be an integer from 1 to 2000, got 0"),
    (dict(eta=0.1, start=(0.0, float("nan"))), "start must be two finite numbers"),
    (dict(eta=0.1, noise=-1.0), "noise must be a finite number >= 0, got -1.0"),
    (dict(eta=0.1, objectives=[Objective("own", "x", lambda x: x.sum(-1), (0.0, 0.0),
                                         ((-1.0, 1.0), (-1.0, 1.0)))]),
     "objectives offers the book's objectives"),
])
def test_bad_explorer_input_is_named(params, message):
    with pytest.raises(ValueError, match=message):
        explore(sgd, ill_conditioned, **params)


@pytest.mark.parametrize("entries, message", [
    (dict(), "an explorer needs at least one optimizer"),
    (dict(sgd=0.1), r"race entry sgd must be a dict of hyperparameters, got 0.1"),
    (dict(newton=dict(eta=0.1)), r"race entry newton names no rule of the book"),
    (dict(fast=dict(rule=sgd, eta=(0.1, 0.5, 0.1, 0.7))),
     r"fast: slider eta: default=0.7 is not one of its values"),
    (dict(sgd=dict(eta=0.1, beta=0.5)), r"unknown parameter\(s\) beta"),
])
def test_bad_race_input_is_named(entries, message):
    with pytest.raises(ValueError, match=message):
        race(objective=quadratic, **entries)


# --- the live view ------------------------------------------------------------------------

def test_live_view_reruns_the_python_rule(monkeypatch):
    monkeypatch.setenv("D2L_OPT_NO_WIDGETS", "0")
    explorer = race(signs=dict(rule=my_rule, eta=(0.1, 0.5, 0.1, 0.2)),
                    momentum=dict(eta=(0.1, 0.7, 0.1, 0.6), beta=(0.0, 0.5, 0.25, 0.5)),
                    objective=ill_conditioned, objectives=[double_well])
    bundle = explorer._repr_mimebundle_()
    assert {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"} <= set(bundle)
    widget = explorer.widget()
    assert widget.readout == explorer.readout()
    assert widget.spec["mode"] == "live" and "draws" not in widget.spec
    state = json.loads(json.dumps(widget.state))
    state.update(start=[0.5, 1.0], objective="double_well")
    state["positions"][1] = [5, 0]  # momentum with beta = 0: gradient descent at eta = 0.6
    widget.state = state
    traces = explorer.traces(state)
    assert widget.readout == explorer.readout(state, traces)
    assert widget.paths[0]["points"] == traces[0].points.flatten().tolist()
    assert widget.paths[1]["diverged_at"] == int(traces[1].diverged_at)
    assert len(widget.callback_ms) == 2


def test_live_view_follows_the_shared_sliders(monkeypatch, batch_explorer):
    monkeypatch.setenv("D2L_OPT_NO_WIDGETS", "0")
    widget = batch_explorer.widget()
    assert widget.spec["shared"][1]["name"] == "batch"
    state = json.loads(json.dumps(widget.state))
    state["shared"] = [6, 8]  # sigma = 3, b = 9: noise 1
    widget.state = state
    expected = run_trace(sgd, quadratic, steps=40, noise=1.0, eta=0.1)
    assert widget.paths[0]["points"] == expected.points.flatten().tolist()
    assert widget.readout == batch_explorer.readout(state)


def test_headless_execution_makes_no_widget(monkeypatch):
    import ipywidgets

    monkeypatch.setenv("D2L_OPT_NO_WIDGETS", "1")
    created = []
    monkeypatch.setattr(ipywidgets.Widget, "open", lambda self: created.append(self))
    bundle = explore(sgd, quadratic, eta=(0.1, 0.3, 0.1, 0.1))._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"} and created == []
