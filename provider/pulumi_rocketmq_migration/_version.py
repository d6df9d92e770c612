"""The package's version: the one place it is written.

pyproject.toml reads it (``[tool.setuptools.dynamic]``), ``__version__`` and
``rocketmq-migration --version`` show it, and CHANGELOG.md names it.
"""

__version__ = "0.2.0"
