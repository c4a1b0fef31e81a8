"""The IDX file format of MNIST and its relatives: one reader, one writer, one validator.

An IDX file is a big-endian header -- two zero bytes, a type code (0x08 = uint8), the number
of dimensions, then one uint32 per dimension -- followed by the raw data. MNIST images use
magic 2051 (0x00000803, three dimensions), labels magic 2049 (0x00000801, one dimension).
"""
import gzip
import os
import shutil
import struct

import numpy as np

from ..errors import DataError
from ..atomic import atomic_path

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_NDIM = {IMAGES_MAGIC: 3, LABELS_MAGIC: 1}
_KIND = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}


def read_header(path):
    """Return ``(magic, shape)`` of an IDX file, checking that its size matches the header."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4:
                raise DataError(f"{path}: not an IDX file (only {len(head)} bytes)")
            magic = struct.unpack(">I", head)[0]
            if magic not in _NDIM:
                raise DataError(
                    f"{path}: not an MNIST IDX file (magic number {magic}, expected "
                    f"{IMAGES_MAGIC} for images or {LABELS_MAGIC} for labels)")
            ndim = _NDIM[magic]
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise DataError(f"{path}: truncated IDX header")
            shape = struct.unpack(f">{ndim}I", dims)
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror})") from None
    expected = 4 + 4 * ndim + int(np.prod(shape))
    actual = os.path.getsize(path)
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise DataError(f"{path}: {what}: the header announces {shape[0]} {_KIND[magic]} "
                        f"({expected} bytes) but the file has {actual} bytes")
    return magic, shape


def check_pair(images_path, labels_path):
    """Validate an images/labels pair and return the number of examples."""
    magic, shape = read_header(images_path)
    if magic != IMAGES_MAGIC:
        raise DataError(f"{images_path}: expected an images file (magic {IMAGES_MAGIC}), "
                        f"found a labels file (magic {magic})")
    lmagic, lshape = read_header(labels_path)
    if lmagic != LABELS_MAGIC:
        raise DataError(f"{labels_path}: expected a labels file (magic {LABELS_MAGIC}), "
                        f"found an images file (magic {lmagic})")
    if shape[0] != lshape[0]:
        raise DataError(f"{images_path} holds {shape[0]} images but {labels_path} holds "
                        f"{lshape[0]} labels")
    return shape[0]


def read(path):
    """Read a (validated) IDX file into a uint8 array: (n, rows, cols) or (n,)."""
    magic, shape = read_header(path)
    offset = 4 + 4 * len(shape)
    return np.fromfile(path, dtype=np.uint8, offset=offset).reshape(shape)


def write(path, array, compress=None):
    """Write a uint8 array as IDX (gzip-compressed if ``compress`` or the name ends in .gz)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = {3: IMAGES_MAGIC, 1: LABELS_MAGIC}[array.ndim]
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        # No file name and mtime 0 in the gzip header: the same array gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if compress else raw as f:
            f.write(header)
            f.write(array.tobytes())


def gunzip(src, dst):
    """Decompress ``src`` to ``dst`` atomically, with a clear error for a corrupt archive."""
    try:
        with atomic_path(dst) as tmp, gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError(f"{src}: corrupt gzip file ({e})") from None
