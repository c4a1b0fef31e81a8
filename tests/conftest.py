"""Fixtures for the tests. The shared helpers live in helpers.py and are imported from there
(``from helpers import ...``): notebooks/conftest.py is also a module named ``conftest``, so
``from conftest import`` would depend on which of the two pytest loaded last."""
import os

import pytest

from helpers import *  # noqa: F401,F403  (registers the fixtures defined there)
from helpers import ROOT



# `make test` runs the suite on two pytest-xdist workers (-n 2 --dist loadfile). Each test file
# goes to one worker, so its module-scoped fixtures (trained networks) are built once; the
# notebooks count as one file and run in order on one worker (notebook 3 writes the checkpoint
# that notebooks 4 to 8 read); so do the Chinese notebooks, which have their own outputs/. The
# longest groups go first: otherwise the notebooks, collected last, would run alone at the end
# while the other worker waits.
FIRST = ("notebooks/", "notebooks_zh/", "tests/test_full_layout.py")


def _group(path):
    return os.path.dirname(path) if path.endswith(".ipynb") else path


def _first(path):
    return next((i for i, prefix in enumerate(FIRST) if path.startswith(prefix)), len(FIRST))


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the order the groups go out
        items.sort(key=lambda item: _first(os.path.relpath(str(item.path), ROOT)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduler(LoadFileScheduling):
        def __init__(self, config, log):
            super().__init__(config, log)
            # in collection order (above), not xdist's default of the most tests first
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid):
            return _group(nodeid.split("::", 1)[0])

    return Scheduler(config, log)
