"""pytest settings for the Chinese notebooks (nbval): the same as notebooks/conftest.py's."""
import os
import runpy

_english = runpy.run_path(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                       "notebooks", "conftest.py"))
pytest_configure = _english["pytest_configure"]
pytest_collection_modifyitems = _english["pytest_collection_modifyitems"]
