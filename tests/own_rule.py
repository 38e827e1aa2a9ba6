"""A rule of a student's own, for the tests: sign descent, which the page has no twin of.

``SOURCE`` is the code a student would write in a notebook cell (the live JupyterLab test runs
it there); :func:`sign_descent` runs the same code here and returns the rule.
"""
from __future__ import annotations

SOURCE = ("def _signs(x, g, state, *, eta):  # step along the gradient's sign\n"
          "    return x - eta * torch.sign(g), state\n\n"
          "signs = dataclasses.replace(sgd, name='signs', update=_signs, torch_twin=None)\n")


def sign_descent():
    """The rule ``SOURCE`` defines: ``x - eta * sign(g)``, named ``signs``, with no torch twin."""
    import dataclasses

    import torch

    from d2l_opt.optimizers import sgd

    namespace = {"dataclasses": dataclasses, "torch": torch, "sgd": sgd}
    exec(SOURCE, namespace)
    return namespace["signs"]
