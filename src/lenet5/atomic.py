"""Writing files so that a crash or an error never leaves a half-written one behind."""
import contextlib
import json
import os
import re
import tempfile


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=directory)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path, data):
    """Write ``data`` as pretty JSON, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")


def replace_marked(path, name, text):
    """Put ``text`` between the ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` lines of the
    Markdown file ``path`` (where a script keeps the figures it measured), atomically. Returns
    False, changing nothing, when the file or its markers are missing."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if not os.path.isfile(path):
        return False
    with open(path, encoding="utf-8") as f:
        old = f.read()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(old):
        return False
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(pattern.sub(lambda _: f"{start}\n{text.strip()}\n{end}", old))
    return True
