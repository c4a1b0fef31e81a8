"""Which MindSpore and NumPy lenet5 runs on, checked before MindSpore is imported.

The range is the one pyproject.toml declares and docs/COMPATIBILITY.md tests: its oldest and
newest ends are run by ``nox`` (noxfile.py). Code that needs an API of a later MindSpore than
the oldest supported one goes through this module, not through version checks of its own.
"""
import os
import re
import sys
from importlib import metadata

from ..errors import Lenet5Error

MINDSPORE_OLDEST = "2.7.1"  # the oldest release tested (docs/COMPATIBILITY.md)
MINDSPORE_NEWEST = "2.10.0"  # the newest release tested
# MindSpore's compiled modules are built against NumPy 1.x: with NumPy 2, MindSpore 2.10
# imports but crashes in PyNative mode (2.7-2.9 refuse NumPy 2 in their own metadata).
NUMPY_BELOW = "2"
# The fix, in double quotes: they work in sh, cmd.exe and PowerShell alike.
PIP_FIX = f'pip install "mindspore>={MINDSPORE_OLDEST},<2.11" "numpy<{NUMPY_BELOW}"'


class UnsupportedVersions(Lenet5Error, ImportError):
    """The installed MindSpore or NumPy is outside the supported range (raised by
    ``import lenet5``; an ImportError, so notebooks and tools treat it as a failed import)."""


def release(version):
    """``"2.7.1rc1"`` -> ``(2, 7, 1)``: the numeric release, enough to order these versions."""
    match = re.match(r"\d+(\.\d+)*", version or "")
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def installed(*names):
    """The installed version of the first distribution in ``names`` found, or None; read from
    its metadata, so nothing is imported (a MindSpore built for NumPy 1 prints pages of errors
    under NumPy 2)."""
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def installed_mindspore():
    # MindSpore before 2.3 came as mindspore-gpu or mindspore-ascend for those devices.
    return installed("mindspore", "mindspore-ascend", "mindspore-gpu")


def problem(mindspore=None, numpy=None):
    """What is wrong with these versions (default: the installed ones), in one line, or None."""
    mindspore = mindspore or installed_mindspore()
    numpy = numpy or installed("numpy")
    if mindspore is None:
        have = "MindSpore is not installed"
    elif release(mindspore) < release(MINDSPORE_OLDEST):
        have = f"MindSpore {mindspore} is installed"
    elif numpy and release(numpy) >= release(NUMPY_BELOW):
        have = f"NumPy {numpy} is installed with MindSpore {mindspore}"
    else:
        return None
    return (f"{have}; lenet5 needs MindSpore {MINDSPORE_OLDEST} to {MINDSPORE_NEWEST} with NumPy "
            f"< {NUMPY_BELOW} (MindSpore's compiled modules need NumPy 1.x); fix it with: "
            f"{PIP_FIX}")


def summary():
    """One line for ``lenet5 doctor``: the installed versions against the tested range."""
    mindspore, numpy = installed_mindspore(), installed("numpy")
    newer = (" (newer than the newest tested: report what breaks)"
             if release(mindspore) > release(MINDSPORE_NEWEST) else "")
    return (f"MindSpore {mindspore}, NumPy {numpy}; supported: MindSpore {MINDSPORE_OLDEST} to "
            f"{MINDSPORE_NEWEST} with NumPy < {NUMPY_BELOW}{newer}")


def require():
    """Raise :class:`UnsupportedVersions` unless the installed versions are supported.

    Run by ``import lenet5`` before MindSpore is imported. Outside IPython, an import that
    nobody catches then ends the program with the one ``error:`` line and exit code 2, as
    every other bad input does (``lenet5 ...``, ``python main.py``, ``python -c 'import
    lenet5'``); IPython and Jupyter show the ImportError with the same message.
    """
    message = problem()
    if message:
        sys.excepthook = _one_line_hook(sys.excepthook)
        raise UnsupportedVersions(message)


def _one_line_hook(previous):
    def hook(kind, value, tb):
        if not isinstance(value, UnsupportedVersions):
            return previous(kind, value, tb)
        print(f"error: {value}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(2)  # the interpreter's own exit status for an uncaught exception is 1
    return hook
