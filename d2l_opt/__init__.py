"""Helpers of the book on optimization algorithms for deep learning.

One module per concern: :mod:`~d2l_opt.objectives` (2D test functions),
:mod:`~d2l_opt.optimizers` (every update rule, written once, with its ``torch.optim`` twin),
:mod:`~d2l_opt.rollout` (run a rule or its twin for n steps), :mod:`~d2l_opt.schedules`
(learning-rate schedules), :mod:`~d2l_opt.traces` (runs on 2D objectives),
:mod:`~d2l_opt.plotting` (figures), :mod:`~d2l_opt.explorer` (explorers and races),
:mod:`~d2l_opt.data` (the airfoil data) and :mod:`~d2l_opt.training` (training loops).
"""
__version__ = "0.1.0"
