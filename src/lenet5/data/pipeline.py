"""The MNIST input pipeline of the course, on MindSpore 2.x dataset APIs.

Accepted data folders (``.gz`` files are decompressed once, into a ``.lenet5/`` staging folder
beside the originals; see :func:`_staging_dir`):

* the course layout: ``DIR/train/train-*-ubyte`` and ``DIR/test/t10k-*-ubyte``;
* one flat folder holding the four official files.
"""
import hashlib
import os
import shutil
from typing import NamedTuple

import mindspore as ms
import mindspore.dataset as ds
import numpy as np
from mindspore.dataset import transforms, vision

from .. import inference
from ..errors import DataError
from . import idx
from .catalog import MNIST

MNIST_MEAN, MNIST_STD = MNIST.mean, MNIST.std  # the training digits' pixel mean/std (p / 255)
SPLITS = {"train": "train", "test": "t10k"}  # split files (and subfolder) -> file name prefix
# "val" is held out of the training files: a fixed random share of them (see split_indices).
SPLIT_NAMES = ("train", "val", "test")
VAL_SEED = 0  # the permutation that picks the validation images: the same for every run
IMAGE_SIZE = 28  # every dataset of the catalogue has 28x28 images
# How a 28x28 image becomes the network's input size: "resize" (bilinear, the course) or "pad"
# (a border of background, centred, as LeCun et al. fed LeNet-5 in 1998).
FITS = ("resize", "pad")


class Split(NamedTuple):
    """One split found and checked by :func:`locate_split`."""
    folder: str  # the staging folder MnistDataset reads
    usage: str  # MnistDataset's ``usage``: "train" or "test"
    count: int  # images in the split


def check_split(split):
    """``split`` itself if it names the files of a split; else a :class:`DataError`."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    return split


def split_indices(count, split, val_split):
    """The images of the training files (``count`` of them) that make ``split``: a fixed
    random permutation (:data:`VAL_SEED`) whose first ``round(val_split * count)`` images are
    "val" and the others "train". Sorted; every class keeps about its share."""
    if not 0 < val_split < 1:
        raise DataError(f"val_split must be between 0 and 1 (a share of the training images), "
                        f"got {val_split}")
    held = round(val_split * count)
    if held < 1 or held >= count:
        raise DataError(f"val_split {val_split} holds out {held} of {count} training images: "
                        "choose a share that leaves both splits some")
    order = np.random.default_rng(VAL_SEED).permutation(count)
    return np.sort(order[:held] if split == "val" else order[held:])


def _files_and_indices(data_dir, split, val_split):
    """``(Split of the files, indices into them or None)`` for train, val or test."""
    if split not in SPLIT_NAMES:
        raise DataError(f"unknown split {split!r}: choose one of {', '.join(SPLIT_NAMES)}")
    if split == "val" and not val_split:
        raise DataError("the 'val' split is held out of the training images: give val_split "
                        "(e.g. 0.1, --val_split 0.1)")
    found = locate_split(data_dir, "test" if split == "test" else "train")
    if split == "test" or not val_split:
        return found, None
    return found, split_indices(found.count, split, val_split)


def split_size(data_dir, split, val_split=0.0):
    """The number of images in ``split`` (train, val or test) when ``val_split`` of the
    training images are held out for validation."""
    found, indices = _files_and_indices(data_dir, split, val_split)
    return found.count if indices is None else len(indices)


def _split_files(split):
    prefix = SPLITS[check_split(split)]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _staged_paths(folder, split):
    """The (images, labels) paths of one split inside its staging folder."""
    return tuple(os.path.join(folder, name) for name in _split_files(split))


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


def find_split(data_dir, split="train"):
    """The images and labels files of one split as they are in ``data_dir`` (maybe .gz).

    Raises :class:`DataError` with a message naming what is missing.
    """
    data_dir = os.fspath(data_dir)
    names = _split_files(split)
    if not os.path.isdir(data_dir):
        raise DataError(f"data folder {data_dir!r} does not exist")
    subfolder = split
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


def locate_split(data_dir, split="train"):
    """Find, check and (if needed) decompress one split (``"train"`` or ``"test"``).

    Returns a :class:`Split`: the folder and usage to give ``MnistDataset``, and the number
    of examples. Raises :class:`DataError` with a message naming the file and the problem.
    """
    found = find_split(data_dir, split)
    folder = _stage(os.path.dirname(found[0]), found)
    count = idx.check_pair(*_staged_paths(folder, split))
    return Split(folder, split, count)


def load_arrays(data_dir, split="train", val_split=0.0):
    """The split (train, val or test; see :func:`split_indices`) as numpy arrays: uint8 images
    (n, 28, 28) and uint8 labels (n,)."""
    found, indices = _files_and_indices(data_dir, split, val_split)
    images, labels = (idx.read(path) for path in _staged_paths(found.folder, found.usage))
    return (images, labels) if indices is None else (images[indices], labels[indices])


def check_labels(data_dir, split, num_classes):
    """Raise :class:`DataError` if a label does not fit ``num_classes`` outputs."""
    path = _staged_paths(locate_split(data_dir, split).folder, split)[1]
    top = int(idx.read(path).max())
    if top >= num_classes:
        raise DataError(f"{path}: label {top} is out of range for --num_classes {num_classes} "
                        f"(labels must be 0..{num_classes - 1})")


def pixel_stats(images):
    """Mean and standard deviation of ``images`` (uint8) as p / 255, exact, in little memory."""
    flat = np.asarray(images, dtype=np.uint8).reshape(-1)
    if not flat.size:
        raise DataError("no pixels to measure")
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, flat.size, 1 << 24):  # a histogram by chunks: no float copy
        counts += np.bincount(flat[start:start + (1 << 24)], minlength=256)
    values = np.arange(256) / 255
    mean = float(counts @ values / flat.size)
    std = float(np.sqrt(counts @ (values - mean) ** 2 / flat.size))
    return mean, std


def augmentations():
    """Small random distortions a handwritten digit can have: the ``accurate`` recipe uses them."""
    # MindSpore's translate is (x_min, x_max, y_min, y_max) as fractions of the size; a pair
    # (0.1, 0.1) would mean "always 10% to the right", not torchvision's "up to 10% either way".
    return [vision.RandomAffine(degrees=10, translate=(-0.1, 0.1, -0.1, 0.1), scale=(0.9, 1.1),
                                shear=5)]


def fit_transform(size=(32, 32), fit="resize"):
    """The operation that makes a 28x28 image ``size`` (height, width): ``vision.Resize``, or
    for ``fit="pad"`` ``vision.Pad`` with zeros (background, before normalisation)."""
    if fit not in FITS:
        raise DataError(f"unknown input fit {fit!r}: choose one of {', '.join(FITS)}")
    if fit == "resize":
        return vision.Resize(size)
    height, width = size
    if height < IMAGE_SIZE or width < IMAGE_SIZE:
        raise DataError(f"cannot pad {IMAGE_SIZE}x{IMAGE_SIZE} images to {height}x{width}")
    top, left = (height - IMAGE_SIZE) // 2, (width - IMAGE_SIZE) // 2
    return vision.Pad((left, top, width - IMAGE_SIZE - left, height - IMAGE_SIZE - top),
                      fill_value=0)


def image_transforms(resize=(32, 32), rescale=1 / (255 * MNIST_STD),
                     shift=-MNIST_MEAN / MNIST_STD, fit="resize"):
    """The course's image operations, in order: Resize (or Pad) -> Rescale -> HWC2CHW.

    A raw MNIST image (28, 28, 1) uint8 in 0..255 becomes (1, 32, 32) float32 with
    ``p * rescale + shift = (p/255 - mean) / std``; ``fit``: see :func:`fit_transform`. Each
    op can also be called on one numpy image.
    """
    return [fit_transform(resize, fit), vision.Rescale(rescale, shift), vision.HWC2CHW()]


def preprocess(images, resize=(32, 32), mean=MNIST_MEAN, std=MNIST_STD, fit="resize"):
    """Raw uint8 images (N, 28, 28) -> the network's float32 input (N, 1, 32, 32).

    The same operations as :func:`create_dataset` (without augmentation), applied eagerly,
    with the normalisation and fit of the data the network was trained on (a checkpoint's
    ``info.mean``/``info.std``/``info.fit``, or ``**info.input_options()``; default MNIST's,
    resized).
    """
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    ops = image_transforms(resize, 1 / (255 * std), -mean / std, fit)
    out = []
    for image in images:
        x = image[:, :, None]
        for op in ops:
            x = op(x)
        out.append(x)
    return np.stack(out).astype(np.float32)


def labelled_images(data_dir, split="test", resize=(32, 32), mean=MNIST_MEAN, std=MNIST_STD,
                    limit=None, seed=0, val_split=0.0, fit="resize"):
    """A split as the network sees it, in NumPy: float32 (N, 1, *resize), normalised and
    fitted as :func:`preprocess` does, and int64 labels (N,).

    ``limit``: that many images drawn at random (``seed``) instead of the whole split.
    """
    images, labels = load_arrays(data_dir, split, val_split)
    if limit is not None and limit < len(images):
        pick = np.sort(np.random.default_rng(seed).choice(len(images), limit, replace=False))
        images, labels = images[pick], labels[pick]
    return preprocess(images, resize, mean, std, fit), labels.astype(np.int64)


def default_workers():
    """Threads per pipeline stage that :func:`create_dataset` uses unless told otherwise."""
    return min(4, os.cpu_count() or 1)


def create_dataset(data_dir, split="train", batch_size=32, resize=(32, 32),
                   rescale=1 / (255 * MNIST_STD), shift=-MNIST_MEAN / MNIST_STD, buffer_size=64,
                   augment=False, num_shards=None, shard_id=None, num_parallel_workers=None,
                   num_samples=None, shuffle=None, drop_remainder=None, val_split=0.0,
                   fit="resize"):
    """The course pipeline: MnistDataset -> Resize -> Rescale -> HWC2CHW, int32 labels,
    shuffle, batch. ``fit="pad"``: Pad instead of Resize (:func:`fit_transform`).

    ``split``: "train", "test", or "val": ``val_split`` (e.g. 0.1) of the training images held
    out, always the same ones (:func:`split_indices`); "train" is then the rest. ``rescale``
    and ``shift`` map a pixel p in 0..255 to ``p * rescale + shift``, i.e.
    ``(p/255 - mean) / std``. The training split is read in a new random order every epoch
    and drops the incomplete last batch as in the course; val and test keep every image in
    order (``shuffle`` and ``drop_remainder`` override). ``num_samples``: only that many
    images of the split, a fixed random subset (the same images every epoch).
    ``num_shards``/``shard_id`` give each data-parallel worker its own disjoint part.
    """
    if batch_size < 1:
        raise DataError(f"batch size must be at least 1, got {batch_size}")
    found, indices = _files_and_indices(data_dir, split, val_split)
    training = split == "train"
    shuffle = training if shuffle is None else shuffle
    workers = num_parallel_workers or default_workers()
    if num_samples is not None and num_samples < (found.count if indices is None
                                                  else len(indices)):
        pool = np.arange(found.count) if indices is None else indices
        pick = np.random.default_rng(VAL_SEED + 1).permutation(len(pool))[:num_samples]
        indices = np.sort(pool[pick])
    if indices is None:  # the whole split: MnistDataset shuffles and shards it itself
        dataset = ds.MnistDataset(found.folder, usage=found.usage, shuffle=shuffle,
                                  num_shards=num_shards, shard_id=shard_id,
                                  num_parallel_workers=workers)
    else:
        if num_shards:  # equal parts: data-parallel workers must take the same number of steps
            indices = indices[:len(indices) - len(indices) % num_shards][shard_id::num_shards]
        indices = indices.tolist()
        sampler = ds.SubsetRandomSampler(indices) if shuffle else ds.SubsetSampler(indices)
        dataset = ds.MnistDataset(found.folder, usage=found.usage, sampler=sampler,
                                  num_parallel_workers=workers)
    image_ops = augmentations() if augment else []
    image_ops += image_transforms(resize, rescale, shift, fit)
    dataset = dataset.map(operations=image_ops, input_columns="image",
                          num_parallel_workers=workers)
    dataset = dataset.map(operations=transforms.TypeCast(ms.int32), input_columns="label")
    if shuffle:
        dataset = dataset.shuffle(buffer_size=buffer_size)
    drop = training if drop_remainder is None else drop_remainder
    dataset = dataset.batch(batch_size, drop_remainder=drop)
    # The same images in the same order on every pass: evaluate() may read it once and keep it.
    setattr(dataset, inference.FIXED, not shuffle and not augment)
    return dataset
