"""The book's update rules, each written once as a pure function.

An update rule is a pair of functions, ``init(params) -> state`` and
``step(params, grad, state, *, hyperparameters) -> (new_params, new_state)``.
Nothing is changed in place. ``params`` may have any shape; every hyperparameter may be
a float or a tensor that broadcasts against ``params``. A tensor of shape ``(settings, 1)``
against parameters of shape ``(settings, 2)`` runs a whole grid of settings at once, which is
how :mod:`d2l_opt.traces` draws many trajectories in one call.

The keyword names are the book's symbols: ``eta`` (η), ``beta`` (β), ``gamma`` (γ), ``rho`` (ρ),
``beta1`` (β₁), ``beta2`` (β₂), ``eps`` (ε). Each docstring names the matching
``torch.optim`` argument and says where the book's rule differs from PyTorch's.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Mapping, NamedTuple

import torch
from torch import Tensor

from ._validate import Hyper, check_decay, check_nonnegative, check_positive

__all__ = [
    "UpdateRule", "TorchTwin", "RULES", "sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "yogi",
    "NoState", "MomentumState", "AdagradState", "RMSPropState", "AdadeltaState", "AdamState",
]


class NoState(NamedTuple):
    """Plain SGD remembers nothing between steps."""


class MomentumState(NamedTuple):
    v: Tensor  #: velocity, the leaky sum of past gradients


class AdagradState(NamedTuple):
    s: Tensor  #: running sum of squared gradients


class RMSPropState(NamedTuple):
    s: Tensor  #: leaky average of squared gradients


class AdadeltaState(NamedTuple):
    s: Tensor  #: leaky average of squared gradients
    delta: Tensor  #: leaky average of squared rescaled gradients (the steps taken)


class AdamState(NamedTuple):
    t: int  #: number of steps taken so far
    v: Tensor  #: leaky average of gradients (first moment)
    s: Tensor  #: leaky average of squared gradients (second moment)


#: What each hyperparameter name must satisfy, wherever it appears.
_CHECKS: dict[str, Callable[[str, Hyper], None]] = {
    "eta": check_positive, "eps": check_nonnegative, "beta": check_decay, "gamma": check_decay,
    "rho": check_decay, "beta1": check_decay, "beta2": check_decay,
}


@dataclass(frozen=True)
class TorchTwin:
    """The ``torch.optim`` optimizer that runs the same rule, and how the names map.

    Args:
        optimizer: the ``torch.optim`` class.
        names: each book hyperparameter's ``torch.optim`` keyword (``"betas[0]"`` for an item
            of a tuple argument), or None where torch has no counterpart.
        fixed: torch keywords that make torch run the book's rule (Adadelta's ``lr=1.0``).
        same_when: book values under which the two rules coincide exactly; where ε sits
            elsewhere (inside or outside the square root), that is ``eps=0``.
    """

    optimizer: type[torch.optim.Optimizer]
    names: Mapping[str, str | None]
    fixed: Mapping[str, object] = field(default_factory=dict)
    same_when: Mapping[str, float] = field(default_factory=dict)

    def kwargs(self, **hyper: float) -> dict[str, object]:
        """The ``torch.optim`` keyword arguments for the book's hyperparameters ``hyper``.

        Example: ``adam.torch_twin.kwargs(eta=0.1, beta1=0.8)`` is
        ``{'lr': 0.1, 'betas': (0.8, 0.999)}``.
        """
        kwargs: dict[str, object] = dict(self.fixed)
        for book_name, value in hyper.items():
            torch_name = self.names.get(book_name)
            if torch_name is None:
                raise ValueError(f"{self.optimizer.__name__} has no counterpart of {book_name}")
            if "[" in torch_name:
                base, index = torch_name[:-1].split("[")
                items = list(kwargs.get(base) or _signature_default(self.optimizer, base))
                items[int(index)] = value
                kwargs[base] = tuple(items)
            else:
                kwargs[torch_name] = value
        return kwargs


def _signature_default(cls, name: str):
    return inspect.signature(cls).parameters[name].default


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: usable as a dict key
class UpdateRule:
    """An optimizer as a pair of pure functions: ``init(params)`` and ``update``.

    ``update(params, grad, state, *, hyperparameters) -> (new_params, new_state)`` is the bare
    rule; its keyword-only arguments are the rule's hyperparameters, and their defaults are
    the rule's defaults (a keyword with no default is required). ``rule.step`` validates the
    hyperparameters and the shapes, then applies ``update``.

    Args:
        name: short name, as in :data:`RULES`.
        init: ``init(params) -> state``.
        update: the pure update function.
        chapter: the chapter that introduces the rule.
        reference: the paper (or lecture) the rule comes from.
        torch_twin: the ``torch.optim`` optimizer that runs the same rule, or None.
    """

    name: str
    init: Callable[[Tensor], tuple]
    update: Callable[..., tuple[Tensor, tuple]] = field(repr=False)
    chapter: str = ""
    reference: str = ""
    torch_twin: TorchTwin | None = field(default=None, repr=False)

    @property
    def __doc__(self) -> str:  # the rule's own docstring: its math, torch names and chapter
        return self.update.__doc__ or ""

    @cached_property
    def _keywords(self) -> list[inspect.Parameter]:
        return [p for p in inspect.signature(self.update).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY]

    @property
    def defaults(self) -> dict[str, float]:
        """The hyperparameters that have a default, with it (read off ``update``)."""
        return {p.name: p.default for p in self._keywords if p.default is not p.empty}

    @property
    def required(self) -> tuple[str, ...]:
        """The hyperparameters that must be given (no default in ``update``)."""
        return tuple(p.name for p in self._keywords if p.default is p.empty)

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        """Names of every hyperparameter the rule takes, required ones first."""
        return self.required + tuple(self.defaults)

    def resolve(self, **hyper: Hyper) -> dict[str, Hyper]:
        """Fill in defaults and validate; unknown, missing or bad values raise ``ValueError``."""
        unknown = sorted(set(hyper) - set(self.hyperparameters))
        if unknown:
            raise ValueError(f"{self.name} takes {', '.join(self.hyperparameters)}; "
                             f"got unknown hyperparameter(s) {', '.join(unknown)}")
        missing = [k for k in self.required if k not in hyper]
        if missing:
            raise ValueError(f"{self.name} needs {', '.join(missing)}")
        values = {**self.defaults, **hyper}
        for key, value in values.items():
            _CHECKS[key](key, value)
        return values

    def step(self, params: Tensor, grad: Tensor, state: tuple, **hyper: Hyper):
        """One validated step: ``(new_params, new_state)``."""
        if not isinstance(params, Tensor) or not isinstance(grad, Tensor):
            raise ValueError(f"params and grad must be tensors, got {type(params).__name__} "
                             f"and {type(grad).__name__}")
        if grad.shape != params.shape:
            raise ValueError(f"grad must have the shape of params {tuple(params.shape)}, "
                             f"got {tuple(grad.shape)}")
        return self.update(params, grad, state, **self.resolve(**hyper))


# --- SGD --------------------------------------------------------------------------------------

def _sgd_init(params: Tensor) -> NoState:
    return NoState()


def _sgd(x: Tensor, g: Tensor, state: NoState, *, eta: Hyper) -> tuple[Tensor, NoState]:
    r"""Stochastic gradient descent.

    .. math:: \mathbf{x}_t = \mathbf{x}_{t-1} - \eta\, \mathbf{g}_t

    ``eta`` is ``lr`` of ``torch.optim.SGD``; the two rules are identical.
    Example: ``x, s = sgd.step(x, g, sgd.init(x), eta=0.1)``. Chapter: SGD.
    """
    return x - eta * g, state


sgd = UpdateRule(
    "sgd", _sgd_init, _sgd, chapter="sgd",
    reference="Robbins and Monro (1951), A stochastic approximation method",
    torch_twin=TorchTwin(torch.optim.SGD, {"eta": "lr"}))


# --- Momentum ---------------------------------------------------------------------------------

def _momentum_init(params: Tensor) -> MomentumState:
    return MomentumState(torch.zeros_like(params))


def _momentum(x: Tensor, g: Tensor, state: MomentumState, *, eta: Hyper,
              beta: Hyper) -> tuple[Tensor, MomentumState]:
    r"""Heavy-ball momentum (Polyak, 1964).

    .. math:: \mathbf{v}_t = \beta \mathbf{v}_{t-1} + \mathbf{g}_t, \qquad
              \mathbf{x}_t = \mathbf{x}_{t-1} - \eta\, \mathbf{v}_t, \qquad \mathbf{v}_0 = 0

    ``torch.optim.SGD(lr=eta, momentum=beta)`` (with its default ``dampening=0``,
    ``nesterov=False``) is the same rule: torch starts the buffer at the first gradient,
    which is what :math:`\mathbf{v}_0 = 0` gives too.
    Example: ``x, s = momentum.step(x, g, momentum.init(x), eta=0.6, beta=0.5)``.
    Chapter: momentum.
    """
    v = beta * state.v + g
    return x - eta * v, MomentumState(v)


momentum = UpdateRule(
    "momentum", _momentum_init, _momentum, chapter="momentum",
    reference="Polyak (1964), Some methods of speeding up the convergence of iteration methods",
    torch_twin=TorchTwin(torch.optim.SGD, {"eta": "lr", "beta": "momentum"}))


# --- Adagrad ----------------------------------------------------------------------------------

def _adagrad_init(params: Tensor) -> AdagradState:
    return AdagradState(torch.zeros_like(params))


def _adagrad(x: Tensor, g: Tensor, state: AdagradState, *, eta: Hyper,
             eps: Hyper = 1e-6) -> tuple[Tensor, AdagradState]:
    r"""Adagrad (Duchi, Hazan and Singer, 2011).

    .. math:: \mathbf{s}_t = \mathbf{s}_{t-1} + \mathbf{g}_t^2, \qquad
              \mathbf{x}_t = \mathbf{x}_{t-1} - \frac{\eta}{\sqrt{\mathbf{s}_t + \epsilon}}
              \odot \mathbf{g}_t

    ``eta`` is ``lr`` of ``torch.optim.Adagrad``. Difference: the book puts ε inside the
    square root, torch adds its ``eps`` (default 1e-10) outside, ``sqrt(s) + eps``; with
    ε = 0 the rules coincide. torch's ``lr_decay`` and ``initial_accumulator_value`` are 0 here.
    Example: ``x, s = adagrad.step(x, g, adagrad.init(x), eta=0.4)``. Chapter: Adagrad.
    """
    s = state.s + g * g
    return x - eta * g / torch.sqrt(s + eps), AdagradState(s)


adagrad = UpdateRule(
    "adagrad", _adagrad_init, _adagrad, chapter="adagrad",
    reference="Duchi, Hazan and Singer (2011), Adaptive subgradient methods for online "
              "learning and stochastic optimization",
    torch_twin=TorchTwin(torch.optim.Adagrad, {"eta": "lr", "eps": "eps"},
                         same_when={"eps": 0.0}))


# --- RMSProp ----------------------------------------------------------------------------------

def _rmsprop_init(params: Tensor) -> RMSPropState:
    return RMSPropState(torch.zeros_like(params))


def _rmsprop(x: Tensor, g: Tensor, state: RMSPropState, *, eta: Hyper, gamma: Hyper = 0.9,
             eps: Hyper = 1e-6) -> tuple[Tensor, RMSPropState]:
    r"""RMSProp (Tieleman and Hinton, 2012).

    .. math:: \mathbf{s}_t = \gamma \mathbf{s}_{t-1} + (1 - \gamma) \mathbf{g}_t^2, \qquad
              \mathbf{x}_t = \mathbf{x}_{t-1} - \frac{\eta}{\sqrt{\mathbf{s}_t + \epsilon}}
              \odot \mathbf{g}_t

    ``torch.optim.RMSprop(lr=eta, alpha=gamma)``: torch calls γ ``alpha``. Difference: torch
    adds its ``eps`` (default 1e-8) outside the square root; with ε = 0 the rules coincide.
    Example: ``x, s = rmsprop.step(x, g, rmsprop.init(x), eta=0.4, gamma=0.9)``.
    Chapter: RMSProp.
    """
    s = gamma * state.s + (1 - gamma) * g * g
    return x - eta * g / torch.sqrt(s + eps), RMSPropState(s)


rmsprop = UpdateRule(
    "rmsprop", _rmsprop_init, _rmsprop, chapter="rmsprop",
    reference="Tieleman and Hinton (2012), Lecture 6.5, Neural Networks for Machine Learning",
    torch_twin=TorchTwin(torch.optim.RMSprop, {"eta": "lr", "gamma": "alpha", "eps": "eps"},
                         same_when={"eps": 0.0}))


# --- Adadelta ---------------------------------------------------------------------------------

def _adadelta_init(params: Tensor) -> AdadeltaState:
    return AdadeltaState(torch.zeros_like(params), torch.zeros_like(params))


def _adadelta(x: Tensor, g: Tensor, state: AdadeltaState, *, rho: Hyper = 0.9,
              eps: Hyper = 1e-5) -> tuple[Tensor, AdadeltaState]:
    r"""Adadelta (Zeiler, 2012): no learning rate.

    .. math:: \mathbf{s}_t = \rho \mathbf{s}_{t-1} + (1 - \rho) \mathbf{g}_t^2, \qquad
              \mathbf{g}'_t = \frac{\sqrt{\Delta\mathbf{x}_{t-1} + \epsilon}}
                                   {\sqrt{\mathbf{s}_t + \epsilon}} \odot \mathbf{g}_t,

    .. math:: \mathbf{x}_t = \mathbf{x}_{t-1} - \mathbf{g}'_t, \qquad
              \Delta\mathbf{x}_t = \rho \Delta\mathbf{x}_{t-1} + (1 - \rho) {\mathbf{g}'_t}^2

    ``torch.optim.Adadelta(rho=rho, eps=eps)`` is the same rule when its ``lr`` is 1.0 (its
    default); torch multiplies the step by ``lr``, the book's rule has none.
    Example: ``x, s = adadelta.step(x, g, adadelta.init(x), rho=0.9)``. Chapter: Adadelta.
    """
    s = rho * state.s + (1 - rho) * g * g
    g_rescaled = torch.sqrt(state.delta + eps) / torch.sqrt(s + eps) * g
    delta = rho * state.delta + (1 - rho) * g_rescaled * g_rescaled
    return x - g_rescaled, AdadeltaState(s, delta)


adadelta = UpdateRule(
    "adadelta", _adadelta_init, _adadelta, chapter="adadelta",
    reference="Zeiler (2012), ADADELTA: an adaptive learning rate method",
    torch_twin=TorchTwin(torch.optim.Adadelta, {"rho": "rho", "eps": "eps"},
                         fixed={"lr": 1.0}))


# --- Adam and Yogi ----------------------------------------------------------------------------

def _adam_init(params: Tensor) -> AdamState:
    return AdamState(0, torch.zeros_like(params), torch.zeros_like(params))


def _debiased_step(x: Tensor, t: int, v: Tensor, s: Tensor, eta: Hyper, beta1: Hyper,
                   beta2: Hyper, eps: Hyper) -> Tensor:
    v_hat = v / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return x - eta * v_hat / (torch.sqrt(s_hat) + eps)


def _adam(x: Tensor, g: Tensor, state: AdamState, *, eta: Hyper, beta1: Hyper = 0.9,
          beta2: Hyper = 0.999, eps: Hyper = 1e-6) -> tuple[Tensor, AdamState]:
    r"""Adam (Kingma and Ba, 2014).

    .. math:: \mathbf{v}_t = \beta_1 \mathbf{v}_{t-1} + (1 - \beta_1) \mathbf{g}_t, \qquad
              \mathbf{s}_t = \beta_2 \mathbf{s}_{t-1} + (1 - \beta_2) \mathbf{g}_t^2,

    .. math:: \hat{\mathbf{v}}_t = \frac{\mathbf{v}_t}{1 - \beta_1^t}, \quad
              \hat{\mathbf{s}}_t = \frac{\mathbf{s}_t}{1 - \beta_2^t}, \quad
              \mathbf{x}_t = \mathbf{x}_{t-1} - \frac{\eta\, \hat{\mathbf{v}}_t}
                                                 {\sqrt{\hat{\mathbf{s}}_t} + \epsilon}

    ``torch.optim.Adam(lr=eta, betas=(beta1, beta2), eps=eps)`` is the same rule (ε outside
    the root in both); only the default ε differs (here 1e-6, torch 1e-8).
    Example: ``x, s = adam.step(x, g, adam.init(x), eta=0.01)``. Chapter: Adam.
    """
    t = state.t + 1
    v = beta1 * state.v + (1 - beta1) * g
    s = beta2 * state.s + (1 - beta2) * g * g
    return _debiased_step(x, t, v, s, eta, beta1, beta2, eps), AdamState(t, v, s)


def _yogi(x: Tensor, g: Tensor, state: AdamState, *, eta: Hyper, beta1: Hyper = 0.9,
          beta2: Hyper = 0.999, eps: Hyper = 1e-3) -> tuple[Tensor, AdamState]:
    r"""Yogi (Zaheer, Reddi, Sachan, Kale and Kumar, 2018): Adam with an additive second moment.

    .. math:: \mathbf{s}_t = \mathbf{s}_{t-1} - (1 - \beta_2)\,
              \operatorname{sgn}(\mathbf{s}_{t-1} - \mathbf{g}_t^2) \odot \mathbf{g}_t^2

    Everything else is Adam's rule, bias correction included, as this book presents it; the
    paper's algorithm omits the bias correction and suggests a larger initial estimate of
    the second moment. torch has no Yogi. Default ε = 1e-3 as in the paper.
    Example: ``x, s = yogi.step(x, g, yogi.init(x), eta=0.01)``. Chapter: Adam.
    """
    t = state.t + 1
    v = beta1 * state.v + (1 - beta1) * g
    s = state.s - (1 - beta2) * torch.sign(state.s - g * g) * g * g
    return _debiased_step(x, t, v, s, eta, beta1, beta2, eps), AdamState(t, v, s)


adam = UpdateRule(
    "adam", _adam_init, _adam, chapter="adam",
    reference="Kingma and Ba (2015), Adam: a method for stochastic optimization",
    torch_twin=TorchTwin(torch.optim.Adam, {"eta": "lr", "beta1": "betas[0]",
                                            "beta2": "betas[1]", "eps": "eps"}))
yogi = UpdateRule(
    "yogi", _adam_init, _yogi, chapter="adam",
    reference="Zaheer, Reddi, Sachan, Kale and Kumar (2018), Adaptive methods for nonconvex "
              "optimization")

_ARGS = """
    Args:
        x, g: the parameters and their gradient, tensors of one shape (any shape).
        state: the state from ``init`` or from the previous step.
        hyperparameters: keyword-only floats, or tensors that broadcast against ``x``.
    Returns:
        ``(new_x, new_state)``; nothing is changed in place.
"""
for _rule in (sgd, momentum, adagrad, rmsprop, adadelta, adam, yogi):  # one template for all
    _doc = _rule.update.__doc__
    _at = _doc.index("    Example:")
    _rule.update.__doc__ = _doc[:_at] + _ARGS + _doc[_at:]

#: Every rule of the book by name; tests and explorers iterate over this table.
RULES: dict[str, UpdateRule] = {r.name: r for r in
                                (sgd, momentum, adagrad, rmsprop, adadelta, adam, yogi)}

