r"""Run an update rule, or its ``torch.optim`` twin, for n steps: the loop chapters and tests share.

:func:`rollout` runs a rule of :mod:`d2l_opt.optimizers` (or a chapter's own step function)
and :func:`rollout_torch` a ``torch.optim`` optimizer, both from the same start and on the
same gradients, and both return every iterate, so that a claim such as "Adagrad from scratch
equals ``torch.optim.Adagrad``" is checked in two lines::

    grads = random_gradients(100, (3,), seed=0)
    torch.testing.assert_close(rollout(adagrad, x0, grads, eta=0.1, eps=0.0),
                               rollout_torch(adagrad, x0, grads, eta=0.1, eps=0.0))

The gradients are either a tensor of shape ``(steps, *x0.shape)`` (the same sequence whatever
the path, as when comparing implementations) or a function ``grad(x)`` of the current point
(an objective's gradient, as on the 2D test functions).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ._validate import check_integer
from .optimizers import UpdateRule

__all__ = ["rollout", "rollout_torch", "random_gradients", "largest_difference"]

Gradients = Tensor | Callable[[Tensor], Tensor]


def _gradient_source(grads: Gradients, x0: Tensor, steps: int | None):
    if callable(grads):
        if steps is None:
            raise ValueError("steps is needed when the gradients are a function of x")
        check_integer("steps", steps, 1)
        return steps, lambda t, x: grads(x)
    if not isinstance(grads, Tensor) or grads.shape[1:] != x0.shape:
        shape = tuple(grads.shape) if isinstance(grads, Tensor) else type(grads).__name__
        raise ValueError(f"grads must be a function of x or a tensor of shape "
                         f"(steps, {', '.join(map(str, x0.shape))}), got {shape}")
    steps = len(grads) if steps is None else steps
    check_integer("steps", steps, 1, len(grads))
    return steps, lambda t, x: grads[t]


def rollout(rule: UpdateRule | Callable, x0: Tensor, grads: Gradients, *,
            steps: int | None = None, state=None, with_states: bool = False, **hyper):
    """The iterates of ``rule`` from ``x0``: ``x_0, x_1, ..., x_steps``.

    Args:
        rule: an :class:`~d2l_opt.optimizers.UpdateRule` (validated, state from its ``init``),
            or a plain function ``step(x, g, state, **hyper) -> (x, state)`` such as a
            chapter's from-scratch code, which then needs ``state``.
        x0: the starting point, any shape.
        grads: a tensor of shape ``(steps, *x0.shape)``, or a function ``grad(x)``.
        steps: how many steps (default: every gradient in ``grads``).
        state: the initial state for a plain function.
        with_states: also return the state after every step.
        **hyper: the rule's hyperparameters.
    Returns:
        A tensor of shape ``(steps + 1, *x0.shape)``; with ``with_states``, the pair of it and
        the list of the ``steps + 1`` states (the initial one first).

    Example: ``rollout(sgd, torch.ones(2), quadratic.grad, steps=10, eta=0.1)[-1]``.
    """
    steps, gradient = _gradient_source(grads, x0, steps)
    if isinstance(rule, UpdateRule):
        hyper = rule.resolve(**hyper)
        step, state = rule.update, rule.init(x0) if state is None else state
    elif state is None:
        raise ValueError(f"state is needed to roll out the plain function {rule.__name__}")
    else:
        step = rule
    x, path, states = x0, [x0], [state]
    for t in range(steps):
        x, state = step(x, gradient(t, x), state, **hyper)
        path.append(x)
        states.append(state)
    return (torch.stack(path), states) if with_states else torch.stack(path)


def rollout_torch(optimizer: UpdateRule | type[torch.optim.Optimizer], x0: Tensor,
                  grads: Gradients, *, steps: int | None = None, **kwargs) -> Tensor:
    """The iterates of a ``torch.optim`` optimizer fed the given gradients.

    Args:
        optimizer: a ``torch.optim`` class, with its own keyword arguments in ``kwargs``; or
            an :class:`~d2l_opt.optimizers.UpdateRule`, whose torch twin is used and whose
            book hyperparameters (``eta``, ``gamma``, ...) are translated by the registry.
        x0, grads, steps: as for :func:`rollout`.
    Returns:
        A tensor of shape ``(steps + 1, *x0.shape)``.

    Example: ``rollout_torch(rmsprop, x0, grads, eta=0.01, gamma=0.9, eps=0.0)`` runs
    ``torch.optim.RMSprop(lr=0.01, alpha=0.9, eps=0.0)``.
    """
    if isinstance(optimizer, UpdateRule):
        twin = optimizer.torch_twin
        if twin is None:
            raise ValueError(f"{optimizer.name} has no torch.optim twin")
        optimizer.resolve(**kwargs)  # the same checks and messages as the book's rule
        optimizer, kwargs = twin.optimizer, twin.kwargs(**kwargs)
    steps, gradient = _gradient_source(grads, x0, steps)
    param = torch.nn.Parameter(x0.detach().clone())
    instance = optimizer([param], **kwargs)
    path = [x0]
    for t in range(steps):
        param.grad = gradient(t, param.detach()).clone()
        instance.step()
        path.append(param.detach().clone())
    return torch.stack(path)


def random_gradients(steps: int, shape: tuple[int, ...], *, seed: int,
                     scales: Tensor | None = None, dtype=torch.float64) -> Tensor:
    """Standard normal gradients of shape ``(steps, *shape)``, from a generator seeded with ``seed``.

    Args:
        steps: how many gradients.
        shape: the shape of one gradient.
        seed: seed of the generator.
        scales: optional factors that broadcast against one gradient (e.g. one per coordinate,
            to give coordinates gradients of very different sizes).
    Returns:
        A tensor of shape ``(steps, *shape)``.

    Example: ``random_gradients(100, (3,), seed=0).shape`` is ``(100, 3)``.
    """
    check_integer("steps", steps, 1)
    grads = torch.randn((steps, *shape), generator=torch.Generator().manual_seed(seed),
                        dtype=dtype)
    return grads if scales is None else grads * scales


def largest_difference(a: Tensor, b: Tensor) -> float:
    """The largest absolute difference between two paths of the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"paths must have one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    return float((a - b).abs().max())
