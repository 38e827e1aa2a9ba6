"""Stored outputs must be the same on every machine, so that nbval passes on any CPU.

The last bits of a floating-point result differ between CPUs (vector width, reduction order).
A stored output that carries them fails nbval on a machine other than the one that executed
the notebook. Two guards:

* a scan of every stored output of every chapter for binary blobs that are not tagged as
  integers and for printed numbers with more significant digits than the book ever shows;
* a simulated other machine: every explorer stored in a chapter is rebuilt from its own
  configuration with the update rule's arithmetic perturbed by one ulp on every input and
  output of every step, and must give the stored HTML exactly.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import json
import re
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
#: The most significant digits a printed number may have: more than any readout needs, far
#: fewer than the ~16 that a float64 carries.
MAX_DIGITS = 8
PNG = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
BLOB = re.compile(r'"([A-Za-z0-9+/]{24,}={0,2})"')
TAGGED_BLOB = re.compile(r'\{"int(?:8|16|32)": "[A-Za-z0-9+/]*={0,2}"\}')
NUMBER = re.compile(r"(?<![\w.#-])-?(\d+(?:\.\d+)?)(?:[eE][-+]?\d+)?(?![\w.])")


def stored_texts(notebook: Path):
    """``(cell index, text)`` for every textual part of every stored output."""
    cells = json.loads(notebook.read_text())["cells"]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            parts = [output.get("text", "")]  # every textual part, glued values included
            parts += [value for key, value in output.get("data", {}).items()
                      if not key.startswith("image/")]
            for part in parts:
                yield index, part if isinstance(part, str) else (
                    "".join(part) if isinstance(part, list) else json.dumps(part))


def machine_dependent(text: str) -> list[str]:
    """What in ``text`` would change with the last bits of a float.

    PNG images are left out (nbval does not compare them, and their pixels are rounded). A
    base64 blob is allowed only inside ``{"int16": ...}`` (or int8/int32): integers computed
    by rounding. Every other blob, and every number printed with more than
    :data:`MAX_DIGITS` significant digits, is reported.
    """
    text = TAGGED_BLOB.sub("", PNG.sub("", text))
    found = [f"untagged binary blob of {len(m.group(1))} base64 characters"
             for m in BLOB.finditer(text) if _is_binary(m.group(1))]
    for match in NUMBER.finditer(text):
        digits = match.group(1).replace(".", "").strip("0")  # zeros at either end carry no bits
        if len(digits) > MAX_DIGITS:
            found.append(f"number with {len(digits)} significant digits: {match.group(0)}")
    return found


def _is_binary(candidate: str) -> bool:
    try:
        data = base64.b64decode(candidate, validate=True)
    except ValueError:
        return False
    return not data.isascii() or b"\x00" in data


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_stored_outputs_carry_no_unrounded_float(notebook):
    problems = [f"{notebook.name} cell {index}: {problem}"
                for index, text in stored_texts(notebook)
                for problem in machine_dependent(text)]
    assert problems == [], "\n".join(problems[:20])


def test_the_scan_catches_what_it_is_for():
    raw = base64.b64encode(torch.tensor([0.1, 1 / 3, 2.5e-7], dtype=torch.float64)
                           .numpy().tobytes()).decode()
    assert machine_dependent(f'{{"losses": "{raw}"}}') == [
        "untagged binary blob of 32 base64 characters"]
    assert machine_dependent("loss 0.24331098123") == [
        "number with 11 significant digits: 0.24331098123"]
    assert machine_dependent("f(x) = 1.2345678e-05, step 1503, 0.001234, seed 20260101") == []
    assert machine_dependent("a loss of 5300000000.0, 0.1000000000") == []
    ints = base64.b64encode(torch.arange(40, dtype=torch.int16).numpy().tobytes()).decode()
    assert machine_dependent(f'{{"points": {{"int16": "{ints}"}}, "id": "d2l-explorer-1a2b3c"}}'
                             ) == []
    assert machine_dependent(f'<img src="data:image/png;base64,{raw}">') == []


def test_glued_numbers_are_rounded():
    from d2l_opt.book.glue import rounded

    assert rounded(0.35712345678) == 0.3571 and rounded(2 / 3, 2) == 0.67
    assert rounded(1503) == 1503 and isinstance(rounded(1503), int)
    assert machine_dependent(repr(rounded(1 / 7))) == []
    assert machine_dependent(repr(1 / 7)) != []
    with pytest.raises(ValueError, match="value must be a real number, got 'a'"):
        rounded("a")


# --- a simulated other machine ----------------------------------------------------------------

def _one_ulp_up(t: torch.Tensor) -> torch.Tensor:
    return torch.nextafter(t, torch.full_like(t, float("inf")))


def perturbed(rule):
    """``rule`` with its gradient input and its new parameters each one ulp larger."""
    @functools.wraps(rule.update)  # keeps the signature, which names the hyperparameters
    def update(x, g, state, **hyper):
        new_x, new_state = rule.update(x, _one_ulp_up(g), state, **hyper)
        return _one_ulp_up(new_x), new_state

    return dataclasses.replace(rule, update=update)


def stored_explorers():
    for notebook in CHAPTERS:
        for index, text in stored_texts(notebook):
            if 'class="d2l-explorer"' in text:
                yield pytest.param(text, id=f"{notebook.stem}-cell{index}")


SPEC = re.compile(r'<script type="application/json" id="[^"]+">(.*?)</script>')


@pytest.mark.parametrize("stored", list(stored_explorers()))
def test_explorer_is_the_same_on_another_machine(stored, monkeypatch):
    from d2l_opt import optimizers
    from d2l_opt.explorer import Explorer

    config = json.loads(SPEC.search(stored).group(1))["config"]
    for name in {entry["rule"] for entry in config["entries"]}:
        monkeypatch.setitem(optimizers.RULES, name, perturbed(optimizers.RULES[name]))
    explorer = Explorer.from_config(config)
    fresh = PNG.sub("<PNG>", explorer.static_html())
    perturbed_traces = explorer.traces()
    monkeypatch.undo()
    unperturbed = Explorer.from_config(config).traces()
    assert any(not torch.equal(a.points, b.points)
               for a, b in zip(perturbed_traces, unperturbed)), \
        "the perturbation changed nothing, so this test would prove nothing"
    kept = PNG.sub("<PNG>", stored)
    assert fresh == kept, _first_difference(kept, fresh)


def _first_difference(stored: str, fresh: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(stored, fresh)) if a != b),
              min(len(stored), len(fresh)))
    return (f"stored and rebuilt explorer differ at character {at}:\n"
            f"  stored: ...{stored[max(0, at - 60):at + 60]}...\n"
            f"  fresh:  ...{fresh[max(0, at - 60):at + 60]}...")
