"""pytest settings for the course notebooks, which pytest runs through nbval (``--nbval`` in
pyproject.toml's addopts): ``pytest`` or ``pytest notebooks/`` from any folder."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")


def pytest_configure(config):
    # The notebook kernels are child processes: make them import this checkout's lenet5,
    # whatever copy is installed in the environment.
    path = os.environ.get("PYTHONPATH", "")
    if SRC not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = SRC + (os.pathsep + path if path else "")
    if getattr(config.option, "nbval_sanitize_with", None) is None:
        config.option.nbval_sanitize_with = os.path.join(HERE, "sanitize.cfg")


def pytest_collection_modifyitems(items):
    # Every notebook cell counts as slow: `pytest -m "not slow"` skips the notebooks.
    import pytest
    for item in items:
        if str(item.path).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
