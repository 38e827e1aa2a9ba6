"""Time the book's training loop against the loop most tutorials write.

The reference wraps the data in a ``TensorDataset`` and draws minibatches from a
``DataLoader(shuffle=True)``, which fetches and collates one example at a time; the book's
loop permutes the two data tensors once per epoch and slices them. Model (linear, 5 -> 1,
weights N(0, 0.01²), bias 0), loss (half the mean squared error) and update (plain SGD) are the
same. Evaluation is outside the timed region in both, and both run on one thread (the book's
loop always does: with six parameters, more threads only add waiting), so that only the loops
differ.

Run from the repository root::

    D2L_OPT_DATA_DIR=/work/shared/data python benchmarks/training.py [--repeats 5]

Prints one JSON line per batch size: ``sec_per_epoch`` and ``final_loss`` are the book's loop
(:func:`d2l_opt.training.train_scratch` with the ``sgd`` rule), ``reference_*`` the tutorial
loop, ``speedup`` their ratio of times. ``torch_sec_per_epoch`` and ``torch_speedup`` are the
book's loop driving ``torch.optim.SGD`` (:func:`d2l_opt.training.train_torch`): the same data
handling, plus the fixed cost of ``optimizer.step()`` and ``optimizer.zero_grad()``. Times are
medians over the repeats, which are interleaved so that a busy moment hurts all loops alike.
Exits with an error when a speedup misses :data:`BUDGET` or the final losses differ by more
than 0.01.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from d2l_opt.data import load_airfoil
from d2l_opt.optimizers import sgd
from d2l_opt.training import squared_loss, train_scratch, train_torch

#: The syllabus's settings: (batch size, learning rate, epochs).
SETTINGS = [(1500, 1.0, 10), (1, 0.005, 5), (100, 0.4, 2), (10, 0.05, 2)]
#: The speedup each batch size must reach.
BUDGET = {1: 1.4, 10: 2.0, 100: 5.0, 1500: 5.0}


def reference_loop(data, *, batch_size: int, lr: float, epochs: int,
                   seed: int = 0) -> tuple[float, float]:
    """The tutorial loop: returns (seconds per epoch, final loss)."""
    X, y = data
    torch.manual_seed(seed)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True)
    model = nn.Linear(X.shape[1], 1)
    nn.init.normal_(model.weight, std=0.01)
    nn.init.zeros_(model.bias)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    elapsed = 0.0
    for _ in range(epochs):
        tic = time.perf_counter()
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(X_batch), y_batch) / 2
            loss.backward()
            optimizer.step()
        elapsed += time.perf_counter() - tic
    with torch.no_grad():
        final = float(squared_loss(model(X), y))
    return elapsed / epochs, final


def measure(data, batch_size: int, lr: float, epochs: int, repeats: int) -> dict:
    ours, torch_loop, reference = [], [], []
    for seed in range(repeats):
        ours.append(train_scratch(sgd, data, batch_size=batch_size, epochs=epochs, seed=seed,
                                  quiet=True, eta=lr))
        torch_loop.append(train_torch(torch.optim.SGD, data, batch_size=batch_size,
                                      epochs=epochs, seed=seed, quiet=True, lr=lr))
        reference.append(reference_loop(data, batch_size=batch_size, lr=lr, epochs=epochs,
                                        seed=seed))
    ours_time = statistics.median(r.sec_per_epoch for r in ours)
    torch_time = statistics.median(r.sec_per_epoch for r in torch_loop)
    ref_time = statistics.median(t for t, _ in reference)
    return {
        "batch_size": batch_size,
        "sec_per_epoch": round(ours_time, 6),
        "reference_sec_per_epoch": round(ref_time, 6),
        "speedup": round(ref_time / ours_time, 2),
        "final_loss": round(statistics.median(r.final_loss for r in ours), 4),
        "reference_final_loss": round(statistics.median(loss for _, loss in reference), 4),
        "torch_sec_per_epoch": round(torch_time, 6),
        "torch_speedup": round(ref_time / torch_time, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per loop")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_airfoil()
    failures = []
    for batch_size, lr, epochs in SETTINGS:
        row = measure(data, batch_size, lr, epochs, args.repeats)
        print(json.dumps(row), flush=True)
        if row["speedup"] < BUDGET[batch_size]:
            failures.append(f"batch {batch_size}: speedup {row['speedup']} < "
                            f"{BUDGET[batch_size]}")
        if abs(row["final_loss"] - row["reference_final_loss"]) > 0.01:
            failures.append(f"batch {batch_size}: final losses differ by more than 0.01")
    if failures:
        raise SystemExit("over budget: " + "; ".join(failures))


if __name__ == "__main__":
    main()
