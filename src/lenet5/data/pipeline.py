"""The MNIST input pipeline of the course, on MindSpore 2.x dataset APIs.

Accepted data folders (``.gz`` files are decompressed once, into a ``.lenet5/`` staging folder
beside the originals; see :func:`_staging_dir`):

* the course layout: ``DIR/train/train-*-ubyte`` and ``DIR/test/t10k-*-ubyte``;
* one flat folder holding the four official files.
"""
import hashlib
import os
import shutil

import numpy as np

from .. import idx
from ..errors import DataError
from .catalog import MNIST

MNIST_MEAN, MNIST_STD = MNIST.mean, MNIST.std  # the training digits' pixel mean/std (p / 255)
SPLITS = {True: ("train", "train"), False: ("test", "t10k")}  # training -> (subfolder, prefix)


def _split_files(prefix):
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _staged_paths(folder, training):
    """The (images, labels) paths of one split inside its staging folder."""
    return tuple(os.path.join(folder, name) for name in _split_files(SPLITS[training][1]))


def _find(folder, name):
    """The path of ``name`` or ``name.gz`` in ``folder``, preferring the uncompressed file."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _staging_dir(folder):
    """Where MnistDataset reads a split from: a folder holding exactly the two files it needs.

    MnistDataset takes every file whose name starts with the split's prefix, so ``x.gz`` beside
    ``x`` would confuse it. The staging folder holds decompressed copies of .gz files and links
    to plain ones: inside the data folder if it is writable, else in the user's cache.
    """
    if os.access(folder, os.W_OK):
        return os.path.join(folder, ".lenet5")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    digest = hashlib.sha1(os.path.abspath(folder).encode()).hexdigest()[:12]
    return os.path.join(base, "lenet5", digest)


def _stage(folder, paths):
    """Return the staging folder for ``paths``, decompressing .gz files once."""
    target = _staging_dir(folder)
    os.makedirs(target, exist_ok=True)
    for path in paths:
        dst = os.path.join(target, os.path.basename(path).removesuffix(".gz"))
        if path.endswith(".gz"):
            if not os.path.isfile(dst) or os.path.getmtime(dst) < os.path.getmtime(path):
                if os.path.islink(dst):
                    os.remove(dst)
                idx.gunzip(path, dst)
        elif os.path.realpath(dst) != os.path.realpath(path) and not _same_copy(path, dst):
            if os.path.lexists(dst):
                os.remove(dst)
            _link(path, dst)
    return target


def _link(path, dst):
    """Symlink ``dst`` to ``path``, or copy it where a symlink needs a privilege (Windows
    without Developer Mode refuses with OSError 1314)."""
    try:
        os.symlink(os.path.abspath(path), dst)
    except OSError:
        shutil.copy2(path, dst)  # keeps the time stamp: _same_copy knows it next time


def _same_copy(path, dst):
    """Whether ``dst`` is a copy :func:`_link` made of ``path`` as it is now."""
    if os.path.islink(dst) or not os.path.isfile(dst):
        return False
    a, b = os.stat(path), os.stat(dst)
    return (a.st_size, a.st_mtime) == (b.st_size, b.st_mtime)


def find_split(data_dir, training=True):
    """The images and labels files of one split as they are in ``data_dir`` (maybe .gz).

    Raises :class:`DataError` with a message naming what is missing.
    """
    data_dir = os.fspath(data_dir)
    if not os.path.isdir(data_dir):
        raise DataError(f"data folder {data_dir!r} does not exist")
    subfolder, prefix = SPLITS[training]
    names = _split_files(prefix)
    for folder in (os.path.join(data_dir, subfolder), data_dir):
        found = [_find(folder, name) for name in names]
        if all(found):
            return found
    if not any(os.scandir(data_dir)):
        raise DataError(f"data folder {data_dir!r} is empty: put the MNIST files there "
                        "(see MNIST/README.md)")
    raise DataError(
        f"no {subfolder} split in {data_dir!r}: expected {names[0]} and {names[1]} "
        f"(or .gz) in {os.path.join(data_dir, subfolder)!r} or in {data_dir!r}")


def locate_split(data_dir, training=True):
    """Find, check and (if needed) decompress one split.

    Returns ``(folder, usage, count)``: the folder and ``usage`` to give ``MnistDataset``,
    and the number of examples. Raises :class:`DataError` with a message naming the file
    and the problem.
    """
    found = find_split(data_dir, training)
    folder = _stage(os.path.dirname(found[0]), found)
    count = idx.check_pair(*_staged_paths(folder, training))
    return folder, ("train" if training else "test"), count


def load_arrays(data_dir, training=True):
    """The split as numpy arrays: uint8 images (n, 28, 28) and uint8 labels (n,)."""
    folder, _, _ = locate_split(data_dir, training)
    images, labels = (idx.read(path) for path in _staged_paths(folder, training))
    return images, labels


def check_labels(data_dir, training, num_classes):
    """Raise :class:`DataError` if a label does not fit ``num_classes`` outputs."""
    folder, _, _ = locate_split(data_dir, training)
    path = _staged_paths(folder, training)[1]
    top = int(idx.read(path).max())
    if top >= num_classes:
        raise DataError(f"{path}: label {top} is out of range for --num_classes {num_classes} "
                        f"(labels must be 0..{num_classes - 1})")


def augmentations():
    """Small random distortions a handwritten digit can have: the ``accurate`` recipe uses them."""
    from mindspore.dataset import vision
    # MindSpore's translate is (x_min, x_max, y_min, y_max) as fractions of the size; a pair
    # (0.1, 0.1) would mean "always 10% to the right", not torchvision's "up to 10% either way".
    return [vision.RandomAffine(degrees=10, translate=(-0.1, 0.1, -0.1, 0.1), scale=(0.9, 1.1),
                                shear=5)]


def image_transforms(resize=(32, 32), rescale=1 / (255 * MNIST_STD),
                     shift=-MNIST_MEAN / MNIST_STD):
    """The course's image operations, in order: Resize -> Rescale -> HWC2CHW.

    A raw MNIST image (28, 28, 1) uint8 in 0..255 becomes (1, 32, 32) float32 with
    ``p * rescale + shift = (p/255 - mean) / std``. Each op can also be called on one numpy image.
    """
    from mindspore.dataset import vision
    return [vision.Resize(resize), vision.Rescale(rescale, shift), vision.HWC2CHW()]


def preprocess(images, resize=(32, 32)):
    """Raw uint8 images (N, 28, 28) -> the network's float32 input (N, 1, 32, 32).

    The same operations as :func:`create_dataset` (without augmentation), applied eagerly.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    ops = image_transforms(resize)
    out = []
    for image in images:
        x = image[:, :, None]
        for op in ops:
            x = op(x)
        out.append(x)
    return np.stack(out).astype(np.float32)


def default_workers():
    """Threads per pipeline stage that :func:`create_dataset` uses unless told otherwise."""
    return min(4, os.cpu_count() or 1)


def create_dataset(data_dir, training=True, batch_size=32, resize=(32, 32),
                   rescale=1 / (255 * MNIST_STD), shift=-MNIST_MEAN / MNIST_STD, buffer_size=64,
                   augment=False, num_shards=None, shard_id=None, num_parallel_workers=None,
                   num_samples=None, shuffle=None, drop_remainder=None):
    """The course pipeline: MnistDataset -> Resize -> Rescale -> HWC2CHW, int32 labels,
    shuffle, batch.

    ``rescale`` and ``shift`` map a pixel p in 0..255 to ``p * rescale + shift``, i.e.
    ``(p/255 - mean) / std``. Training batches drop the incomplete last batch as in the course;
    evaluation keeps every image (``drop_remainder`` overrides). ``num_shards``/``shard_id``
    give each data-parallel worker its own disjoint part.
    """
    import mindspore as ms
    import mindspore.dataset as ds
    from mindspore.dataset import transforms

    if batch_size < 1:
        raise DataError(f"batch size must be at least 1, got {batch_size}")
    folder, usage, _ = locate_split(data_dir, training)
    shuffle = training if shuffle is None else shuffle
    workers = num_parallel_workers or default_workers()
    dataset = ds.MnistDataset(folder, usage=usage, shuffle=shuffle, num_samples=num_samples,
                              num_shards=num_shards, shard_id=shard_id,
                              num_parallel_workers=workers)
    image_ops = augmentations() if augment else []
    image_ops += image_transforms(resize, rescale, shift)
    dataset = dataset.map(operations=image_ops, input_columns="image",
                          num_parallel_workers=workers)
    dataset = dataset.map(operations=transforms.TypeCast(ms.int32), input_columns="label")
    if shuffle:
        dataset = dataset.shuffle(buffer_size=buffer_size)
    drop = training if drop_remainder is None else drop_remainder
    return dataset.batch(batch_size, drop_remainder=drop)
