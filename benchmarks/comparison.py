"""Time the training of the chapter "Which Optimizer?" (chapters/comparison.ipynb).

The chapter trains 7 optimizers x 7 learning rates x 3 seeds = 147 small networks (64-32-10,
float64) on the digits of scikit-learn, all networks of one optimizer at once as a stack. This
script runs the chapter's own code: it executes the cells that define the data, the stacked
network and ``train_stack`` (taken from the notebook by cell id, so the two cannot drift apart),
then times

- each optimizer's sweep, ``train_stack(make, RATES[name])``: wall and CPU seconds (medians
  over the repeats, which are interleaved so that a busy moment hurts all optimizers alike);
- the whole sweep, CPU seconds, against :data:`BUDGET_CPU_S`;
- the reference the stack replaces: the same 21 Adam networks trained one at a time as
  ``torch.nn`` layers (the chapter's ``train_alone``), and the speedup of the stack over it.

Run from the repository root::

    python benchmarks/comparison.py [--repeats 3]

Prints one JSON line per optimizer, then one for the whole sweep and one for the reference.
Exits with an error when the sweep's CPU time exceeds the budget. One thread, as in the chapter.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time
from pathlib import Path

import nbformat
import torch

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "comparison.ipynb"
#: The cells that define everything the sweep needs, in the chapter's order.
CELLS = ("imports", "data", "model", "metrics", "stack", "train", "alone", "optimizers")
#: CPU seconds the whole sweep may take (the chapter must execute in about a minute).
BUDGET_CPU_S = 15.0


def chapter_namespace() -> dict:
    """Execute the chapter's defining cells and return their namespace (their prints muted)."""
    cells = {cell.get("id"): cell for cell in nbformat.read(CHAPTER, as_version=4).cells}
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell_id in CELLS:
            exec(compile(cells[cell_id].source, f"{CHAPTER.name}:{cell_id}", "exec"), namespace)
    return namespace


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call of ``fn``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per optimizer")
    args = parser.parse_args()
    ns = chapter_namespace()
    torch.set_num_threads(1)
    optimizers, rates, train_stack = ns["OPTIMIZERS"], ns["RATES"], ns["train_stack"]
    timed(lambda: ns["train_alone"](0, 0.01))  # the first backward imports modules: not timed
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in optimizers}
    for _ in range(args.repeats):
        for name, (make, _) in optimizers.items():
            runs[name].append(timed(lambda: train_stack(make, rates[name])))
    total_cpu = 0.0
    for name, times in runs.items():
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        total_cpu += cpu
        print(json.dumps({"optimizer": name, "networks": 3 * len(rates[name]),
                          "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}), flush=True)
    print(json.dumps({"sweep_cpu_s": round(total_cpu, 2), "budget_cpu_s": BUDGET_CPU_S}))
    stack_wall = statistics.median(t[0] for t in runs["Adam"])
    alone_wall, alone_cpu = timed(lambda: [ns["train_alone"](s, lr, epochs=ns["EPOCHS"])
                                           for lr in rates["Adam"] for s in ns["SEEDS"]])
    print(json.dumps({"reference": "21 Adam networks one at a time (train_alone)",
                      "wall_s": round(alone_wall, 3), "cpu_s": round(alone_cpu, 3),
                      "stack_speedup": round(alone_wall / stack_wall, 1)}))
    if total_cpu > BUDGET_CPU_S:
        raise SystemExit(f"over budget: the sweep took {total_cpu:.1f} CPU s > {BUDGET_CPU_S}")


if __name__ == "__main__":
    main()
