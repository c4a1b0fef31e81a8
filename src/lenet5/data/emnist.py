"""EMNIST: from NIST's ``gzip.zip`` to the course layout that ``MnistDataset`` reads.

The archive holds every EMNIST variant as gzipped IDX files plus a label mapping per variant
(``gzip/emnist-<split>-mapping.txt``: ``label ascii_code [ascii_code]`` per line). Three things
make them usable here, done once at conversion so the training pipeline stays the MNIST one:

* only the needed variant is extracted;
* images are transposed: EMNIST stores each 28x28 image column by column, so read row by row
  (as IDX readers do) a letter appears mirrored and rotated;
* labels are mapped onto the course's classes through the mapping file: EMNIST Letters 1..26
  become 0..25 (A..Z); for ``emnist-36`` the ByClass variant keeps digits 0..9 and capitals A..Z
  (labels 0..35) and drops the lower-case letters, as STMicroelectronics' ST-MNIST model does.
"""
import gzip
import os
import shutil
import tempfile
import zipfile
import zlib

import numpy as np

from . import idx
from ..errors import DataError
from .catalog import MNIST_FILES

SOURCE = {  # dataset -> the EMNIST variant it is made from
    "emnist-digits": "digits",
    "emnist-letters": "letters",
    "emnist-36": "byclass",
}
_SPLITS = {"train": "train", "test": "test"}  # course subfolder -> EMNIST split name


def member(variant, split, kind):
    """The path of an EMNIST file in the archive, e.g.
    ``gzip/emnist-digits-train-images-idx3-ubyte.gz``."""
    dims = 3 if kind == "images" else 1
    return f"gzip/emnist-{variant}-{split}-{kind}-idx{dims}-ubyte.gz"


def label_table(mapping_text, classes):
    """An array mapping each EMNIST label to a course label, or -1 to drop the example."""
    index = {name: i for i, name in enumerate(classes)}
    table = np.full(256, -1, dtype=np.int16)
    for line in mapping_text.splitlines():
        fields = line.split()
        if not fields:
            continue
        label, code = int(fields[0]), int(fields[1])  # the first code is the upper-case one
        table[label] = index.get(chr(code), -1)
    found = set(table[table >= 0].tolist())
    if found != set(range(len(classes))):
        missing = [classes[i] for i in range(len(classes)) if i not in found]
        raise DataError(f"the EMNIST mapping has no label for {', '.join(missing)}")
    return table


def _extract(archive, name, target):
    """Decompress the gzipped archive member ``name`` to ``target``."""
    with archive.open(name) as packed, gzip.GzipFile(fileobj=packed) as fin, \
            open(target, "wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)


def convert(archive_path, dataset, dest):
    """Write ``dataset`` (an EMNIST catalogue entry) from ``archive_path`` into ``dest`` in the
    course layout, uncompressed. Returns the number of examples per split.

    Everything is written into a temporary folder inside ``dest`` first and moved into place
    at the end, so a failure leaves ``dest`` as it was.
    """
    variant = SOURCE[dataset.name]
    created = not os.path.isdir(dest)
    os.makedirs(dest, exist_ok=True)
    try:
        return _convert(archive_path, variant, dataset, dest)
    except BaseException:
        if created and not os.listdir(dest):  # leave no empty folder behind either
            os.rmdir(dest)
        raise


def _convert(archive_path, variant, dataset, dest):
    written = {}
    try:
        with zipfile.ZipFile(archive_path) as archive, \
                tempfile.TemporaryDirectory(dir=dest, prefix=".emnist-") as tmp:
            mapping = archive.read(f"gzip/emnist-{variant}-mapping.txt").decode("ascii")
            table = label_table(mapping, dataset.classes)
            moves = []
            for subfolder, (images_name, labels_name) in MNIST_FILES.items():
                split = _SPLITS[subfolder]
                raw_images = os.path.join(tmp, f"{split}-images")
                raw_labels = os.path.join(tmp, f"{split}-labels")
                _extract(archive, member(variant, split, "images"), raw_images)
                _extract(archive, member(variant, split, "labels"), raw_labels)
                idx.check_pair(raw_images, raw_labels)
                labels = table[idx.read(raw_labels)]
                keep = labels >= 0
                # Stored column by column: transpose every image back to row by row.
                images = idx.read(raw_images)[keep].transpose(0, 2, 1)
                labels = labels[keep].astype(np.uint8)
                os.remove(raw_images)
                os.remove(raw_labels)
                for name, array in ((images_name, images), (labels_name, labels)):
                    out = os.path.join(tmp, subfolder, name)
                    idx.write(out, array, compress=False)
                    moves.append((out, os.path.join(dest, subfolder, name)))
                written[subfolder] = len(labels)
                del images
            for src, dst in moves:
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                os.replace(src, dst)
    except KeyError as e:
        raise DataError(f"{archive_path}: not the EMNIST archive (no {e.args[0]})") from None
    except (zipfile.BadZipFile, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DataError(f"{archive_path}: corrupt archive ({e})") from None
    except OSError as e:
        raise DataError(f"cannot convert {archive_path} into {dest}: {e.strerror or e}") from None
    return written
