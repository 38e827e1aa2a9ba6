r"""Train the airfoil linear-regression model with any update rule, timed and logged.

:func:`train_scratch` updates the parameters ``w``, ``b`` with a rule of
:mod:`d2l_opt.optimizers`; :func:`train_torch` lets a ``torch.optim`` optimizer update an
``nn.Linear``. Both run one loop: the same seeded initialization, minibatches, loss and logging,
so ``train_scratch(sgd, ..., eta=0.05)`` and ``train_torch(torch.optim.SGD, ..., lr=0.05)``
draw the same curve.
"""
from __future__ import annotations

import math
import time
from contextlib import contextmanager
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validate import check_integer
from .optimizers import UpdateRule

__all__ = ["TrainingResult", "epoch_order", "init_params", "squared_loss", "train_scratch",
           "train_torch", "LOG_EVERY"]

#: Default number of examples between two evaluations of the full-data loss: ten per epoch of
#: the 1500 airfoil examples, so every epoch's end is on the curve for the usual batch sizes.
LOG_EVERY = 150

Schedule = Callable[[int], float]


class TrainingResult(NamedTuple):
    """What a run recorded, at epoch 0 and at each evaluation: the examples seen (in epochs),
    the loss on all the data and the training seconds so far (evaluations excluded).
    ``diverged_at`` is the epoch where the loss was first non-finite (the run stopped there and
    that point is not in the curve), else None."""

    epochs: list[float]
    losses: list[float]
    seconds: list[float]
    sec_per_epoch: float
    final_loss: float
    diverged_at: float | None

    def summary(self) -> str:
        """One line such as ``loss 0.243, 0.0123 sec/epoch``."""
        head = (f"diverged at epoch {self.diverged_at:.3g}" if self.diverged_at is not None
                else f"loss {self.final_loss:.3f}")
        return f"{head}, {self.sec_per_epoch:.3g} sec/epoch"


class _Learner(NamedTuple):
    forward: Callable[[Tensor], Tensor]  # features -> predictions
    step: Callable[[], None]  # apply the gradients, leave none behind
    scale_rate: Callable[[float], None]  # set the learning rate to factor * base rate


def squared_loss(pred: Tensor, y: Tensor) -> Tensor:
    r"""Half the squared error, averaged over the examples: :math:`\frac{1}{2b}\sum_i
    (\hat{y}_i - y_i)^2`."""
    return F.mse_loss(pred, y) / 2


def epoch_order(n: int, generator: torch.Generator, *, with_replacement: bool = False) -> Tensor:
    """The indices one epoch visits, in order; minibatches are consecutive slices of them.

    Args:
        n: number of examples.
        generator: the source of randomness.
        with_replacement: draw each index uniformly (repeats possible) instead of permuting.
    Returns:
        ``n`` indices in ``[0, n)``; without replacement, each exactly once.

    Example: ``epoch_order(5, torch.Generator().manual_seed(0)).sort().values`` is
    ``tensor([0, 1, 2, 3, 4])``.
    """
    if with_replacement:
        return torch.randint(n, (n,), generator=generator)
    return torch.randperm(n, generator=generator)


def init_params(d: int, generator: torch.Generator,
                dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
    r"""Initial weight :math:`\mathbf{w} \sim \mathcal{N}(0, 0.01^2)`, shape ``(d, 1)``, and bias 0.

    Example: ``w, b = init_params(5, torch.Generator().manual_seed(0))``.
    """
    w = torch.randn((d, 1), generator=generator, dtype=dtype) * 0.01
    return w, torch.zeros(1, dtype=dtype)


def _check(data, batch_size, epochs, seed, with_replacement, schedule, log_every):
    if not (isinstance(data, (tuple, list)) and len(data) == 2
            and all(isinstance(t, Tensor) for t in data)):
        raise ValueError("data must be a pair of tensors (features, targets), "
                         f"got {type(data).__name__}")
    X, y = data
    if X.dim() != 2 or X.shape[0] < 1 or y.shape != (X.shape[0], 1):
        raise ValueError(f"data must be features of shape (n, d) and targets of shape (n, 1), "
                         f"got shapes {tuple(X.shape)} and {tuple(y.shape)}")
    check_integer("batch_size", batch_size, 1, X.shape[0])
    check_integer("epochs", epochs, 1)
    check_integer("seed", seed, 0)
    check_integer("log_every", log_every, 1)
    if not isinstance(with_replacement, bool):
        raise ValueError(f"with_replacement must be True or False, got {with_replacement!r}")
    if schedule is not None and not callable(schedule):
        raise ValueError(f"schedule must be a function of the epoch or None, got {schedule!r}")
    return X, y


@contextmanager
def _one_thread():
    # Six parameters gain nothing from more threads, and on a busy machine each parallel
    # operation can wait tens of milliseconds for a core.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _run(build: Callable[[Tensor, Tensor], _Learner], data, *, batch_size: int, epochs: int,
         seed: int, with_replacement: bool, schedule: Schedule | None, log_every: int,
         quiet: bool) -> TrainingResult:
    """The loop both trainers share; only evaluation happens outside the timed region."""
    X, y = _check(data, batch_size, epochs, seed, with_replacement, schedule, log_every)
    generator = torch.Generator().manual_seed(seed)
    learner = build(*init_params(X.shape[1], generator, X.dtype))
    n, forward, step = X.shape[0], learner.forward, learner.step

    def evaluate() -> float:
        with torch.no_grad():
            return float(squared_loss(forward(X), y))

    def minibatches():
        for epoch in range(epochs):
            if schedule is not None:
                learner.scale_rate(float(schedule(epoch)))
            order = epoch_order(n, generator, with_replacement=with_replacement)
            yield from zip(X.index_select(0, order).split(batch_size),
                           y.index_select(0, order).split(batch_size))

    half = torch.tensor(0.5, dtype=X.dtype)  # seeding backward with 1/2 differentiates mse/2
    # A process's first backward imports modules (about a second); keep that out of the timing.
    torch.zeros((), dtype=X.dtype, requires_grad=True).backward(half)
    epochs_seen, losses, seconds = [0.0], [evaluate()], [0.0]
    elapsed, seen, next_log, total, diverged_at = 0.0, 0, log_every, epochs * n, None
    with _one_thread():
        tic = time.perf_counter()
        for X_batch, y_batch in minibatches():
            # The gradient of squared_loss: seeding backward with 1/2 instead of dividing the
            # loss by 2 saves an op and its backward, measured at ~20% of a batch-100 step.
            F.mse_loss(forward(X_batch), y_batch).backward(half)
            step()
            seen += X_batch.shape[0]
            if seen >= next_log or seen == total:
                elapsed += time.perf_counter() - tic
                loss = evaluate()
                if not math.isfinite(loss):
                    diverged_at = seen / n
                    break
                epochs_seen.append(seen / n)
                losses.append(loss)
                seconds.append(elapsed)
                next_log = (seen // log_every + 1) * log_every
                tic = time.perf_counter()
    final = losses[-1] if diverged_at is None else math.inf
    result = TrainingResult(epochs_seen, losses, seconds, elapsed / (seen / n), final,
                            diverged_at)
    if not quiet:
        print(result.summary())
    return result


def train_scratch(rule: UpdateRule, data: tuple[Tensor, Tensor], *, batch_size: int,
                  epochs: int, seed: int = 0, with_replacement: bool = False,
                  schedule: Schedule | None = None, log_every: int = LOG_EVERY,
                  quiet: bool = False, **hyper: float) -> TrainingResult:
    r"""Train linear regression with an update rule of :mod:`d2l_opt.optimizers`.

    Each step computes the minibatch loss, its gradients by autograd, and new parameters
    ``rule.update(p, p.grad, state, **hyper)``, one state per parameter.

    Args:
        rule: an update rule, e.g. :data:`~d2l_opt.optimizers.sgd`.
        data: ``(features, targets)`` of shapes ``(n, d)`` and ``(n, 1)``, e.g.
            :func:`d2l_opt.data.load_airfoil`.
        batch_size: examples per minibatch, 1 to ``n``.
        epochs: passes over the data (>= 1).
        seed: seeds the initialization and the sampling.
        with_replacement: sample each minibatch's examples with replacement.
        schedule: ``schedule(epoch)`` (epoch counted from 0) scales ``eta`` for that epoch.
        log_every: examples between evaluations of the loss on all the data.
        quiet: print nothing; otherwise print one line at the end.
        **hyper: the rule's hyperparameters (``eta``, ``beta``, ...), validated once.
    Returns:
        A :class:`TrainingResult`.

    Example: ``train_scratch(sgd, load_airfoil(), batch_size=10, epochs=2, eta=0.05)``
    prints ``loss 0.24..., ... sec/epoch``. Chapter: minibatch SGD.
    """
    hyper = rule.resolve(**hyper)
    if schedule is not None and "eta" not in hyper:
        raise ValueError(f"schedule scales eta, but {rule.name} has no eta")
    update, base_eta = rule.update, hyper.get("eta")

    def build(w: Tensor, b: Tensor) -> _Learner:
        params, states = [w.requires_grad_(), b.requires_grad_()], [rule.init(w), rule.init(b)]

        def step() -> None:
            for i, p in enumerate(params):  # detached inputs: nothing here is recorded
                new, states[i] = update(p.detach(), p.grad, states[i], **hyper)
                params[i] = new.requires_grad_()  # a fresh leaf, with no gradient yet

        def scale_rate(factor: float) -> None:
            hyper["eta"] = base_eta * factor

        return _Learner(lambda X: torch.addmm(params[1], X, params[0]), step, scale_rate)

    return _run(build, data, batch_size=batch_size, epochs=epochs, seed=seed,
                with_replacement=with_replacement, schedule=schedule, log_every=log_every,
                quiet=quiet)


def train_torch(optimizer_class: type[torch.optim.Optimizer], data: tuple[Tensor, Tensor], *,
                batch_size: int, epochs: int, seed: int = 0, with_replacement: bool = False,
                schedule: Schedule | None = None, log_every: int = LOG_EVERY,
                quiet: bool = False, **optimizer_kwargs) -> TrainingResult:
    """Train an ``nn.Linear(d, 1)`` model with a ``torch.optim`` optimizer.

    Same loop, initialization, sampling and logging as :func:`train_scratch`; each step is
    ``optimizer.step()`` then ``optimizer.zero_grad()``.

    Args:
        optimizer_class: e.g. ``torch.optim.SGD``.
        data, batch_size, epochs, seed, with_replacement, log_every, quiet: as for
            :func:`train_scratch`.
        schedule: ``schedule(epoch)`` scales every group's ``lr`` for that epoch, as a
            ``torch.optim.lr_scheduler.LambdaLR`` stepped once per epoch would.
        **optimizer_kwargs: passed to ``optimizer_class`` (``lr``, ``momentum``, ...).
    Returns:
        A :class:`TrainingResult`.

    Example: ``train_torch(torch.optim.SGD, load_airfoil(), batch_size=10, epochs=2,
    lr=0.05)``. Chapter: minibatch SGD.
    """
    def build(w: Tensor, b: Tensor) -> _Learner:
        model = nn.utils.skip_init(nn.Linear, w.shape[0], 1, dtype=w.dtype)  # no global RNG
        with torch.no_grad():
            model.weight.copy_(w.T)
            model.bias.copy_(b)
        optimizer = optimizer_class(model.parameters(), **optimizer_kwargs)
        # A process's first step() imports modules (seconds): do it untimed, on a spare tensor.
        optimizer_class([torch.zeros(1, requires_grad=True)], **optimizer_kwargs).step()
        base_rates = [group["lr"] for group in optimizer.param_groups]

        def step() -> None:
            optimizer.step()
            optimizer.zero_grad()

        def scale_rate(factor: float) -> None:
            for group, rate in zip(optimizer.param_groups, base_rates):
                group["lr"] = rate * factor

        return _Learner(model, step, scale_rate)

    return _run(build, data, batch_size=batch_size, epochs=epochs, seed=seed,
                with_replacement=with_replacement, schedule=schedule, log_every=log_every,
                quiet=quiet)
