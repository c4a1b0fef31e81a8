"""Fixtures for the tests. The shared helpers live in helpers.py and are imported from there
(``from helpers import ...``): notebooks/conftest.py is also a module named ``conftest``, so
``from conftest import`` would depend on which of the two pytest loaded last."""
from helpers import *  # noqa: F401,F403  (registers the fixtures defined there)
