"""Downloads that can be trusted: mirrors in order, retries, resume, MD5 checks, atomic moves.

A file is fetched into a hidden ``.NAME.part`` beside its destination. A dropped connection is
retried, asking the server for the missing bytes only (HTTP ``Range``); a server that ignores
the request sends the whole file again and the part restarts cleanly. Only a file whose MD5
matches the published checksum is moved into place (``os.replace``: all or nothing); on any
failure the part is removed, so a failed download leaves nothing behind.
"""
import errno
import http.client
import os
import pathlib
import socket
import sys
import time
import urllib.error
import urllib.request
import zlib

from tqdm import tqdm  # text bars: tqdm.auto would warn in a notebook without ipywidgets

from ..checksums import file_digest
from ..errors import DataError
from . import emnist, idx, manifest
from .catalog import MNIST_FILES, SHIPPED_SAMPLE_SHA256
from .pipeline import pixel_stats

RETRIES = 3          # attempts per mirror for transient failures (drops, timeouts, HTTP 5xx)
BACKOFF = 1.0        # seconds before the 2nd attempt, doubled before each further one
TIMEOUT = 30         # seconds without a byte before a connection counts as dropped
CHUNK = 1 << 16
USER_AGENT = "lenet5-course (python urllib)"


class DownloadError(DataError):
    """No mirror gave a file with the right checksum. ``offline``: none could even be reached."""

    def __init__(self, message, offline=False):
        super().__init__(message)
        self.offline = offline


class ChecksumError(Exception):
    """A complete file whose MD5 is not the published one."""


class _Unreachable(Exception):
    """The mirror cannot be reached at all: retrying it is pointless."""


class _Refused(Exception):
    """The mirror answered but will not give the file (HTTP 4xx): try the next one."""


class _Transient(Exception):
    """A dropped connection, a timeout, an HTTP 5xx: worth another attempt."""


# --- checksums ---------------------------------------------------------------------------------

def md5sum(path, decompress=False):
    """MD5 of a file, or of its decompressed content (``decompress``: a .gz file)."""
    return file_digest(path, "md5", decompress)


def matches(path, published):
    """How ``path`` matches a catalogue :class:`~lenet5.data.catalog.File`: ``"official"`` (the
    published bytes), ``"official content"`` (the same data, compressed differently, e.g. by
    Debian, or left uncompressed) or ``None``."""
    if md5sum(path) == published.md5:
        return "official"
    if published.content_md5:
        if md5sum(path) == published.content_md5:  # an uncompressed copy
            return "official content"
        try:
            if md5sum(path, decompress=True) == published.content_md5:
                return "official content"
        except (OSError, EOFError, zlib.error):  # not gzip at all: no match
            pass
    return None


def check(path, published):
    """Raise :class:`ChecksumError` unless ``path`` is the published file (or its content)."""
    if not matches(path, published):
        raise ChecksumError(f"MD5 {md5sum(path)} is not the published {published.md5}")


# --- one file from one URL ---------------------------------------------------------------------

def _network_down(reason):
    """True for the errors of a machine without network (or a mirror that does not exist)."""
    if isinstance(reason, (socket.gaierror, ConnectionRefusedError, FileNotFoundError)):
        return True
    return isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH,
                                                            errno.EADDRNOTAVAIL)


def _describe(error):
    reason = getattr(error, "reason", error)
    if isinstance(reason, socket.gaierror):
        return "host name not found (no network?)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, FileNotFoundError):
        return "no such file"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return f"no answer in {TIMEOUT} s"
    text = getattr(reason, "strerror", None) or str(reason)
    return text or type(reason).__name__


def _get(url, part, progress, label):
    """One attempt: add to ``part`` what the server sends. Returns True if it resumed the part
    (the server sent only the missing bytes)."""
    have = os.path.getsize(part) if os.path.exists(part) else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the range makes no sense: start again from byte 0
            os.remove(part)
            raise _Transient("HTTP 416 (range refused), restarting") from None
        kind = _Transient if e.code >= 500 or e.code == 429 else _Refused
        raise kind(f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise (_Unreachable if _network_down(e.reason) else _Transient)(_describe(e)) from None
    except (OSError, http.client.HTTPException) as e:
        raise _Transient(_describe(e)) from None
    with response:
        resumed = (have and getattr(response, "status", None) == 206
                   and response.headers.get("Content-Range", "").startswith(f"bytes {have}-"))
        if not resumed:
            have = 0  # the server sends the whole file: a clean restart
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        with open(part, "ab" if resumed else "wb") as f, \
                tqdm(total=total, initial=have, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=label, leave=False, disable=not progress, file=sys.stderr) as bar:
            try:
                for block in iter(lambda: response.read(CHUNK), b""):
                    f.write(block)
                    bar.update(len(block))
            except (OSError, http.client.HTTPException) as e:
                raise _Transient(f"connection dropped after {f.tell()} bytes "
                                 f"({_describe(e)})") from None
            size = f.tell()
    if total is not None and size < total:
        raise _Transient(f"connection dropped after {size} of {total} bytes")
    return bool(resumed)


def _from_mirror(url, part, published, retries, progress, label):
    """Fetch ``url`` into ``part`` and check it; resume or restart on transient failures."""
    spliced, last = False, None  # spliced: the part holds bytes from more than one response
    for attempt in range(retries):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            spliced |= _get(url, part, progress, label)
        except _Transient as e:
            last = e
            continue
        try:
            check(part, published)
            return
        except ChecksumError as e:
            if not spliced:
                raise
            # Resuming can splice two different versions of a file: restart it cleanly
            # before blaming the mirror.
            os.remove(part)
            spliced, last = False, f"{e} after resuming"
    raise _Transient(f"{last} (gave up after {retries} attempts)")


def fetch(published, mirrors, dest, retries=RETRIES, progress=None, log=print):
    """Download the catalogue file ``published`` to ``dest``, trying ``mirrors`` in order.

    Returns the mirror used. Failures of mirrors before it are reported through ``log``. Raises
    :class:`DownloadError` naming every mirror and how it failed when none works.
    """
    dest = os.fspath(dest)
    folder = os.path.dirname(os.path.abspath(dest))
    os.makedirs(folder, exist_ok=True)
    part = os.path.join(folder, f".{os.path.basename(dest)}.part")
    if progress is None:  # a bar in a terminal or a notebook; none in logs
        progress = "ipykernel" in sys.modules or sys.stderr.isatty()
    failures, offline = [], True
    try:
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + published.name
            if os.path.exists(part):
                os.remove(part)
            try:
                _from_mirror(url, part, published, retries, progress, published.name)
            except ChecksumError as e:
                failures.append(f"{mirror}: wrong checksum ({e})")
            except _Unreachable as e:
                failures.append(f"{mirror}: {e}")
                continue
            except (_Refused, _Transient) as e:
                failures.append(f"{mirror}: {e}")
            else:
                os.replace(part, dest)
                for failure in failures:
                    log(f"note: {published.name}: {failure}; used {mirror}")
                return mirror
            offline = False
    finally:
        if os.path.exists(part):
            os.remove(part)
    if not failures:
        raise DownloadError(f"{published.name}: no mirror to download it from")
    raise DownloadError(f"{published.name}: " + "; ".join(failures), offline=offline)


def local_mirror(location):
    """A mirror given as a folder (``--mirror ~/Downloads``) becomes a ``file://`` URL."""
    if "://" in location:
        return location
    return pathlib.Path(location).expanduser().resolve().as_uri() + "/"


# --- a whole dataset ---------------------------------------------------------------------------

def default_mirrors(dataset):
    """Folders of installed system packages first (no network needed), then the web mirrors."""
    local = [local_mirror(d) for d in dataset.local_dirs if os.path.isdir(d)]
    return local + list(dataset.mirrors)


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lenet5")


def _layout(dest):
    """(subfolder, IDX name, path of the .gz, path of the plain file) of the course layout."""
    for subfolder, names in MNIST_FILES.items():
        for name in names:
            plain = os.path.join(dest, subfolder, name)
            yield subfolder, name, plain + ".gz", plain


def _guard(dest, force, keep=()):
    """Refuse to replace the shipped sample or files of unknown origin unless ``force``.

    ``keep``: paths already checked to be what the download would produce. Returns the paths
    the download will replace or make stale (removed once the new files are in place).
    """
    sample, foreign = [], []
    for _, _, *paths in _layout(dest):
        for path in paths:
            if not os.path.isfile(path) or path in keep:
                continue
            (sample if file_digest(path) in SHIPPED_SAMPLE_SHA256 else foreign).append(path)
    if sample and not force:
        raise DataError(f"{dest} holds the shipped MNIST sample: download into another folder "
                        f"(such as data/mnist) or, with python -m lenet5.data download, add "
                        f"--force to replace the sample")
    if foreign and not force:
        raise DataError(f"{dest} already holds other data ({', '.join(foreign)}): choose another "
                        f"folder or add --force to replace it")
    return sample + foreign


def _say_failure(dataset, dest, error):
    how = f"to get it by hand: {dataset.get_by_hand}"
    if error.offline:
        return DownloadError(
            f"cannot download {dataset.title}: no mirror can be reached (no network?): {error}. "
            f"{how[0].upper()}{how[1:]}. Meanwhile the shipped 10,000-digit MNIST sample in "
            f"MNIST/ works (python main.py)", offline=True)
    return DownloadError(f"cannot download {dataset.title}: {error}. Nothing was left half-"
                         f"written in {dest}; {how}")


def prepare(dataset, dest, force=False, mirrors=None, retries=RETRIES, progress=None, log=print,
            cache=None):
    """Make ``dest`` hold ``dataset`` (a catalogue entry) in the course layout, checked.

    Files already there with the right checksums are kept; the shipped sample or other data
    are replaced only with ``force``. ``mirrors`` replaces the catalogue's (URLs or folders).
    EMNIST's archive is kept in ``cache`` (default: ~/.cache/lenet5) for the other variants.
    Returns the path of the manifest written in ``dest``.
    """
    dest = os.fspath(dest)
    mirrors = default_mirrors(dataset) if mirrors is None else [local_mirror(m) for m in mirrors]
    try:
        if dataset.archive:
            _prepare_archive(dataset, dest, force, mirrors, retries, progress, log, cache)
        else:
            _prepare_files(dataset, dest, force, mirrors, retries, progress, log)
    except DownloadError as e:
        raise _say_failure(dataset, dest, e) from None
    return os.path.join(dest, manifest.NAME)


def _prepare_files(dataset, dest, force, mirrors, retries, progress, log):
    plan, keep = [], set()
    for (subfolder, name, gz, plain), published in zip(_layout(dest), dataset.files):
        ready = [p for p in (gz, plain) if os.path.isfile(p) and matches(p, published)]
        if ready:
            keep.update(ready)
        else:
            plan.append((gz, published))
    stale = _guard(dest, force, keep)
    sources = {}
    for path, published in plan:
        log(f"{dataset.name}: downloading {published.name}")
        mirror = fetch(published, mirrors, path, retries, progress, log)
        sources[published.name] = mirror
        log(f"{dataset.name}: {os.path.relpath(path, dest)} ({os.path.getsize(path):,} bytes, "
            f"MD5 checked) from {mirror}")
    for path in stale:  # e.g. an uncompressed file of other data beside a new .gz
        if os.path.isfile(path) and path not in {p for p, _ in plan}:
            os.remove(path)
    files = {}
    for _, name, gz, plain in _layout(dest):
        path = plain if os.path.isfile(plain) else gz
        files[os.path.relpath(path, dest)] = md5sum(path)
    manifest.write(dest, dataset, files, source=sources or "already there")
    if not plan:
        log(f"{dataset.name}: {dest} already holds {dataset.title} (checksums match)")


def _converted(dataset, dest):
    """True if ``dest`` holds this EMNIST variant as the manifest recorded it."""
    found = manifest.read(dest) if os.path.isdir(dest) else None
    if not found or found["dataset"] != dataset.name:
        return False
    return all(os.path.isfile(os.path.join(dest, p)) and md5sum(os.path.join(dest, p)) == md5
               for p, md5 in found["files"].items())


def _prepare_archive(dataset, dest, force, mirrors, retries, progress, log, cache):
    if _converted(dataset, dest):
        log(f"{dataset.name}: {dest} already holds {dataset.title} (checksums match)")
        return
    stale = _guard(dest, force)
    published = dataset.archive
    archive = os.path.join(cache or cache_dir(), f"emnist-{published.name}")
    if os.path.isfile(archive) and matches(archive, published):
        log(f"{dataset.name}: using the archive downloaded before: {archive}")
        source = "cache"
    else:
        log(f"{dataset.name}: downloading {published.name} (the EMNIST archive)")
        source = fetch(published, mirrors, archive, retries, progress, log)
        log(f"{dataset.name}: {archive} ({os.path.getsize(archive):,} bytes, MD5 checked) "
            f"from {source}; kept there for the other EMNIST variants")
    counts = emnist.convert(archive, dataset, dest)
    files = {}
    for _, name, gz, plain in _layout(dest):
        files[os.path.relpath(plain, dest)] = md5sum(plain)
    for path in stale:
        if path.endswith(".gz") and os.path.isfile(path):  # the plain files were replaced
            os.remove(path)
    train = os.path.join(dest, "train", MNIST_FILES["train"][0])
    mean, std = pixel_stats(idx.read(train))
    manifest.write(dest, dataset, files, source={published.name: source}, mean=mean, std=std)
    log(f"{dataset.name}: {dest}: train {counts['train']:,}, test {counts['test']:,} images, "
        f"{dataset.num_classes} classes; training pixels mean {mean:.4f} std {std:.4f}")
