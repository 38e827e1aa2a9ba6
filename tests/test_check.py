"""The checker behind the autograded exercises: it passes right code and names the first error."""
from __future__ import annotations

import pytest
import torch

from d2l_opt.check import check_close, check_function, check_rule, check_rule_against_torch
from d2l_opt.optimizers import adagrad, sgd
from d2l_opt.schedules import exponential


def adagrad_step(x, g, s, *, eta, eps=1e-6):
    s = s + g * g
    return x - eta * g / torch.sqrt(s + eps), s


def adagrad_step_wrong(x, g, s, *, eta, eps=1e-6):
    s = s + g * g * torch.tensor([1.0, 2.0, 1.0], dtype=g.dtype)  # a slip in coordinate 1
    return x - eta * g / torch.sqrt(s + eps), s


def test_right_code_passes():
    zeros = torch.zeros(3, dtype=torch.float64)
    check_rule(adagrad_step, adagrad, state=zeros, eta=0.1)
    check_rule_against_torch(adagrad_step, torch.optim.Adagrad, state=zeros,
                             hyper=dict(eta=0.1, eps=0.0), torch_kwargs=dict(lr=0.1, eps=0.0))
    check_function(lambda t, lam: torch.exp(torch.tensor(-lam * t, dtype=torch.float64)),
                   exponential, range(1, 30), lam=0.1)


def test_first_difference_is_named():
    zeros = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(AssertionError, match=r"adagrad_step_wrong differs from d2l_opt's adagrad "
                                             r"at step 1, coordinate 1: expected -?\d.*, got "
                                             r"-?\d.* \(eta=0.1\)\."):
        check_rule(adagrad_step_wrong, adagrad, state=zeros, eta=0.1)


def test_changes_in_place_are_named():
    def in_place(x, g, s, *, eta, eps=1e-6):
        s.add_(g * g)
        return x - eta * g / torch.sqrt(s + eps), s

    with pytest.raises(AssertionError, match="in_place changed the state it was given in place"):
        check_rule(in_place, adagrad, state=torch.zeros(3, dtype=torch.float64), eta=0.1)


def test_errors_and_wrong_shapes_are_reported():
    def raises(x, g, state, *, eta):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="raises raised NotImplementedError"):
        check_rule(raises, sgd, state=(), eta=0.1)
    with pytest.raises(AssertionError, match=r"has shape \(2,\), expected \(3,\)"):
        check_close([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(AssertionError, match="should be numbers, got str"):
        check_close("abc", [1.0])
    def bad(t, lam):
        return 1.0 if t < 2 else 0.5

    with pytest.raises(AssertionError, match=r"bad\(t=2\) differs from exponential: expected 1, "
                                             r"got 0.5 \(lam=0.0\)\."):
        check_function(bad, exponential, [0, 1, 2], lam=0.0)
