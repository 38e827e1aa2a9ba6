"""Learning-rate schedules: their values, their purity and their validation."""
import math

import pytest
import torch

from d2l_opt.schedules import constant, exponential, piecewise_constant, polynomial


def test_values():
    assert constant(7) == 1.0
    assert exponential(10, lam=0.1) == pytest.approx(math.exp(-1))
    assert polynomial(30, alpha=0.5, lam=0.1) == pytest.approx(0.5)
    assert [piecewise_constant(t) for t in (0.0, 0.6, 1.2, 1.9)] == [1.0, 0.5, 0.25, 0.125]


def test_tensors_broadcast():
    t = torch.arange(1, 4, dtype=torch.float64)
    lam = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    torch.testing.assert_close(exponential(t, lam=lam),
                               torch.stack([torch.ones(3, dtype=torch.float64), torch.exp(-t)]))
    assert piecewise_constant(torch.tensor([0.2, 1.7])).tolist() == [1.0, 0.125]


@pytest.mark.parametrize("call, message", [
    (lambda: exponential(1, lam=-1.0), "lam must be a finite number >= 0, got -1.0"),
    (lambda: polynomial(1, lam=0.0), "lam must be a finite number > 0, got 0.0"),
    (lambda: piecewise_constant(1, boundaries=(1.0, 0.5)), "boundaries must be increasing"),
    (lambda: piecewise_constant(1, factor=1.5), r"factor must lie in \(0, 1\], got 1.5"),
])
def test_bad_parameters_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
