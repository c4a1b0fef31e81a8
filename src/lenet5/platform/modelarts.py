"""Huawei ModelArts: data in from OBS and results out to OBS through ``moxing``.

``main.py --data_url obs://bucket/MNIST/ --train_url obs://bucket/out/`` copies the data into a
local folder before training and the results out after it. ``moxing`` is Huawei's OBS client,
preinstalled in ModelArts images; it is imported only for an ``obs://`` or ``s3://`` address.
(The ``moxing`` package on PyPI is an unrelated project: do not install it.)
"""
import atexit
import contextlib
import functools
import os
import shutil
import tempfile

from ..errors import Lenet5Error, first_line

REMOTE_SCHEMES = ("obs://", "s3://")
# Set in every ModelArts training job (the model zoo's check_in_modelarts uses the same names).
MODELARTS_VARIABLES = ("MA_JOB_DIR", "MA_LOG_DIR", "MA_LOCAL_LOG_PATH")
CACHE = "/cache"  # ModelArts' fast local disk for job data


def is_remote(url):
    return str(url).lower().startswith(REMOTE_SCHEMES)


def in_modelarts():
    return any(os.environ.get(name) for name in MODELARTS_VARIABLES)


def local_folder(name):
    """A fresh local folder for remote data or results (under /cache on ModelArts), removed
    when the process ends: the remote copy is the one that stays."""
    parent = None
    if in_modelarts():
        os.makedirs(CACHE, exist_ok=True)
        parent = CACHE
    folder = tempfile.mkdtemp(prefix=f"lenet5-{name}-", dir=parent)
    atexit.register(functools.partial(shutil.rmtree, folder, ignore_errors=True))
    return folder


def check_url(url):
    """Raise :class:`Lenet5Error` now if ``url`` is remote and ``moxing`` is missing."""
    if is_remote(url):
        _moxing(url)


def _moxing(url):
    try:
        import moxing
    except ImportError:
        where = ("" if in_modelarts() else
                 " (it comes preinstalled in ModelArts training jobs and notebooks; this does not "
                 "look like ModelArts)")
        raise Lenet5Error(f"{url} is an OBS address, which needs Huawei's `moxing` module"
                          f"{where}; elsewhere copy the data to a local folder and pass that "
                          "path. (PyPI's `moxing` is a different package.)") from None
    return moxing


def copy(src, dst):
    """Copy folder ``src`` to ``dst`` with ``moxing``; either may be remote."""
    mox = _moxing(src if is_remote(src) else dst)
    try:
        mox.file.copy_parallel(src, dst)
    except Exception as e:  # moxing's own errors carry long OBS responses
        raise Lenet5Error(f"could not copy {src} to {dst}: {first_line(e)}") from None


def fetch_data(url):
    """A local path for ``url``: the path itself, or a local copy of a remote folder."""
    if not is_remote(url):
        return url
    check_url(url)  # fail before making anything
    local = local_folder("data")
    print(f"copying {url} to {local}", flush=True)
    copy(url, local)
    return local


class Job:
    """The local folders of a run whose data and results may live on OBS (see :func:`job`)."""

    def __init__(self, data_url, train_url):
        self.remote_data, self.train_url = data_url, train_url

    @functools.cached_property
    def data_url(self):
        """A local copy of the data folder (None stays None: the dataset's default folder);
        made when first asked for, so that msrun's scheduler process never copies it."""
        return fetch_data(self.remote_data) if self.remote_data else None

    @functools.cached_property
    def out(self):
        """The local folder for the results, made when first asked for."""
        folder = local_folder("train") if is_remote(self.train_url) else self.train_url
        os.makedirs(folder, exist_ok=True)
        return folder


@contextlib.contextmanager
def job(data_url, train_url):
    """A run's input and output, on ModelArts or anywhere: ``job.data_url`` is a local folder
    holding the data (copied from OBS if ``data_url`` is remote), ``job.out`` the folder to
    write results into. When the block ends without an error, results written under a remote
    ``train_url`` are copied there. Both addresses are checked first (``moxing`` must be there
    for OBS), so that a run never trains for nothing."""
    for url in (data_url, train_url):
        check_url(url)
    run = Job(data_url, train_url)
    yield run
    if "out" in run.__dict__ and run.out != train_url and os.listdir(run.out):
        copy(run.out, train_url)
