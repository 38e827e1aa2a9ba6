"""What a student's code is compared with, and the message that helps when it differs.

The exercises' autograded tests call these functions. Each runs the student's code and a
reference (a rule of :mod:`d2l_opt.optimizers`, its ``torch.optim`` twin, or any function) on
the same inputs, step by step, and raises an ``AssertionError`` that says where they first part:
which step, which coordinate, the expected and the obtained value::

    check_rule(adagrad_step, adagrad, state=torch.zeros(3), eta=0.1)
    AssertionError: adagrad_step differs from d2l_opt's adagrad at step 2, coordinate 1:
    expected -0.1366, got -0.1212 (eta=0.1).
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor

from .optimizers import UpdateRule
from .rollout import random_gradients, rollout, rollout_torch

__all__ = ["check_close", "check_rule", "check_rule_against_torch", "check_function"]


def _name(fn) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _settings(hyper: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in hyper.items())


def check_close(got, expected, *, what: str = "your result", against: str = "the reference",
                index_names: Sequence[str] = ("step", "coordinate"), rtol: float = 1e-6,
                atol: float = 1e-9, context: str = "") -> None:
    """Raise an ``AssertionError`` naming the first entry where ``got`` and ``expected`` differ.

    Args:
        got, expected: numbers, sequences or tensors of one shape.
        what, against: how the message names the two sides.
        index_names: the name of each axis, for the message ("step", "coordinate").
        rtol, atol: allowed difference, ``|got - expected| <= atol + rtol * |expected|``.
        context: appended to the message, e.g. the hyperparameters.
    Returns:
        None; raises ``AssertionError`` with a helpful message when they differ.

    Example: ``check_close([1.0, 2.0], [1.0, 2.5], index_names=("t",))`` raises
    "your result differs from the reference at t 1: expected 2.5, got 2".
    """
    try:
        got_t = torch.as_tensor(got, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as error:
        raise AssertionError(f"{what} should be numbers, got {type(got).__name__}: {error}") \
            from None
    expected_t = torch.as_tensor(expected, dtype=torch.float64)
    suffix = f" ({context})" if context else ""
    if got_t.shape != expected_t.shape:
        raise AssertionError(f"{what} has shape {tuple(got_t.shape)}, expected "
                             f"{tuple(expected_t.shape)}{suffix}")
    bad = ~(torch.isclose(got_t, expected_t, rtol=rtol, atol=atol, equal_nan=True))
    if not bad.any():
        return
    first = [int(i) for i in bad.nonzero()[0]]
    where = ", ".join(f"{name} {i}" for name, i in zip(index_names, first))
    at = f" at {where}" if where else ""
    raise AssertionError(f"{what} differs from {against}{at}: expected "
                         f"{expected_t[tuple(first)].item():.6g}, got "
                         f"{got_t[tuple(first)].item():.6g}{suffix}.")


def _tensors(tree) -> list[Tensor]:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [t for item in tree for t in _tensors(item)]
    return []


def _student_rollout(step: Callable, x0: Tensor, grads: Tensor, state, hyper: dict) -> Tensor:
    """Run the student's step; an exception, or a change in place of the inputs, fails."""
    inputs = [x0, grads, *_tensors(state)]
    before = [t.clone() for t in inputs]
    try:
        path = rollout(step, x0, grads, state=state, **hyper)
    except AssertionError:
        raise
    except Exception as error:
        raise AssertionError(f"{_name(step)} raised {type(error).__name__}: {error} "
                             f"({_settings(hyper)})") from error
    for name, tensor, copy in zip(["x", "the gradients"] + ["the state"] * len(before),
                                  inputs, before):
        if not torch.equal(tensor, copy):
            raise AssertionError(f"{_name(step)} changed {name} it was given in place; "
                                 "return new tensors instead")
    return path


def check_rule(step: Callable, rule: UpdateRule, *, state, steps: int = 20,
               shape: tuple[int, ...] = (3,), seed: int = 0, scales: Tensor | None = None,
               rtol: float = 1e-6, atol: float = 1e-9, **hyper) -> None:
    """Check a student's ``step(x, g, state, **hyper)`` against a rule of d2l_opt, step by step.

    Both start at the same random point and see the same random gradients.

    Args:
        step: the student's function, returning ``(new_x, new_state)``.
        rule: the reference, e.g. :data:`d2l_opt.optimizers.adagrad`.
        state: the initial state for ``step`` (e.g. ``torch.zeros(3)``).
        steps, shape, seed, scales: the gradients (see :func:`d2l_opt.rollout.random_gradients`).
        rtol, atol: allowed difference.
        **hyper: the hyperparameters, given to both.
    Returns:
        None; raises ``AssertionError`` at the first step and coordinate that differ.

    Example: ``check_rule(my_sgd, sgd, state=(), eta=0.1)``.
    """
    grads = random_gradients(steps, shape, seed=seed, scales=scales)
    x0 = random_gradients(1, shape, seed=seed + 1)[0]
    expected = rollout(rule, x0, grads, **hyper)
    got = _student_rollout(step, x0, grads, state, hyper)
    check_close(got, expected, what=_name(step), against=f"d2l_opt's {rule.name}",
                rtol=rtol, atol=atol, context=_settings(hyper))


def check_rule_against_torch(step: Callable, optimizer: type[torch.optim.Optimizer], *, state,
                             hyper: dict, torch_kwargs: dict, steps: int = 20,
                             shape: tuple[int, ...] = (3,), seed: int = 0,
                             rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Check a student's step function against a ``torch.optim`` optimizer, step by step.

    Args:
        step: the student's function, returning ``(new_x, new_state)``.
        optimizer: e.g. ``torch.optim.Adam``.
        state: the initial state for ``step``.
        hyper: the student's hyperparameters (book names); torch_kwargs: torch's.
        steps, shape, seed, rtol, atol: as for :func:`check_rule`.
    Returns:
        None; raises ``AssertionError`` at the first step and coordinate that differ.

    Example: ``check_rule_against_torch(my_adam, torch.optim.Adam, state=...,
    hyper=dict(eta=0.1), torch_kwargs=dict(lr=0.1))``.
    """
    grads = random_gradients(steps, shape, seed=seed)
    x0 = random_gradients(1, shape, seed=seed + 1)[0]
    expected = rollout_torch(optimizer, x0, grads, **torch_kwargs)
    got = _student_rollout(step, x0, grads, state, hyper)
    check_close(got, expected, what=_name(step), against=f"torch.optim.{optimizer.__name__}",
                rtol=rtol, atol=atol, context=_settings(hyper))


def check_function(fn: Callable, reference: Callable, inputs: Sequence, *,
                   input_name: str = "t", rtol: float = 1e-6, atol: float = 1e-9,
                   **kwargs) -> None:
    """Check ``fn(x, **kwargs)`` against ``reference(x, **kwargs)`` for each ``x`` in ``inputs``.

    For functions of one input, such as a learning-rate schedule of the step ``t``.

    Args:
        fn: the student's function; reference: the expected one.
        inputs: the values to try, in order.
        input_name: how the message names an input ("t", "n", ...).
        rtol, atol: allowed difference. **kwargs: passed to both.
    Returns:
        None; raises ``AssertionError`` at the first input where they differ.

    Example: ``check_function(my_decay, exponential, range(1, 50), lam=0.1)``.
    """
    context = _settings(kwargs)
    for x in inputs:
        expected = reference(x, **kwargs)
        try:
            got = fn(x, **kwargs)
        except Exception as error:
            raise AssertionError(f"{_name(fn)}({input_name}={x!r}) raised "
                                 f"{type(error).__name__}: {error}") from error
        check_close(got, expected, what=f"{_name(fn)}({input_name}={x!r})",
                    against=f"{_name(reference)}", index_names=("entry",), rtol=rtol,
                    atol=atol, context=context)
