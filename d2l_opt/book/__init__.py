"""How the book runs its chapters: one module per way in.

* :mod:`d2l_opt.book.sphinx_extension`: the Sphinx extension listed in ``_config.yml``
  (headless kernels for the build, and two fixes to the stock Jupyter Book 1 pages);
* :mod:`d2l_opt.book.pytest_plugin`: the pytest plugin named in ``pyproject.toml`` (headless
  kernels for nbval);
* :mod:`d2l_opt.book.execute`: execute chapters in place, headless, from the command line::

      python -m d2l_opt.book chapters/sgd.ipynb [...]
"""
