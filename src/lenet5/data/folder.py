"""A dataset in a local folder, ready to train on: ``lenet5.open_data("fashion")``.

:func:`open_data` finds (or downloads) the files, checks that the folder holds the dataset
asked for, and works out its pixel normalisation. The :class:`DataFolder` it returns makes the
course pipeline with that normalisation and tells a checkpoint what it was trained on.
"""
import os
from dataclasses import dataclass, field, replace

from ..errors import DataError
from . import catalog, manifest
from .download import default_mirrors, prepare
from .pipeline import (SPLITS, check_labels, create_dataset, find_split, load_arrays,
                       locate_split, split_size)

SAMPLE = "MNIST/"  # the shipped 10,000-digit sample of MNIST, relative to the project


@dataclass(frozen=True)
class DataFolder:
    folder: str
    dataset: catalog.Dataset = field(repr=False)  # the catalogue entry: title, class names
    mean: float  # pixel mean and std of the training split (p / 255)
    std: float
    val_split: float = 0.0  # share of the training images held out as the "val" split
    fit: str = "resize"  # how a 28x28 image becomes the network's 32x32: "resize" or "pad"

    @property
    def name(self):
        return self.dataset.name

    @property
    def title(self):
        return self.dataset.title

    @property
    def classes(self):
        return self.dataset.classes

    @property
    def num_classes(self):
        return self.dataset.num_classes

    def size(self, split):
        """The number of images in ``split`` (train, val or test)."""
        return split_size(self.folder, split, self.val_split)

    def create_dataset(self, split="train", batch_size=32, **options):
        """:func:`lenet5.create_dataset` of ``split`` (train, val or test), normalised with this
        dataset's mean and std: ``(p / 255 - mean) / std`` as ``p * rescale + shift``, and
        fitted to 32x32 as ``fit`` says."""
        options.setdefault("fit", self.fit)
        return create_dataset(self.folder, split, batch_size, rescale=1 / (255 * self.std),
                              shift=-self.mean / self.std, val_split=self.val_split, **options)

    def as_read_by(self, info):
        """This folder as the network of ``info`` (a :class:`lenet5.CheckpointInfo`) reads it:
        with the normalisation and fit it records."""
        return replace(self, mean=info.mean, std=info.std, fit=info.fit)

    def load_arrays(self, split):
        return load_arrays(self.folder, split, self.val_split)

    def check_labels(self, num_classes, splits=tuple(SPLITS)):
        """Raise :class:`DataError` if a label of ``splits`` does not fit ``num_classes``."""
        for split in splits:
            check_labels(self.folder, split, num_classes)


def default_folder(name, download=False):
    """Where dataset ``name`` is unless told: the shipped sample for MNIST (``data/mnist/`` for
    the full set, with ``download``), ``data/NAME/`` for the others."""
    return SAMPLE if name == "mnist" and not download else f"data/{name}/"


def has_split(folder, split):
    try:
        find_split(folder, split)
    except DataError:
        return False
    return True


def open_data(name="mnist", folder=None, download=False, splits=tuple(SPLITS), val_split=0.0):
    """The :class:`DataFolder` of dataset ``name`` in ``folder`` (default:
    :func:`default_folder`), first downloaded there with ``download``. The default folder is
    also filled from a system package (Debian's dataset-fashion-mnist) when that needs no
    network. ``splits``: the split files that must be there. ``val_split``: the share of the
    training images held out as the "val" split (0: none)."""
    dataset = catalog.get(name)
    defaulted = folder is None
    if defaulted:
        folder = default_folder(dataset.name, download)
    if download:
        prepare(dataset, folder)
    elif not all(has_split(folder, split) for split in splits):
        local = [m for m in default_mirrors(dataset) if m.startswith("file:")]
        if defaulted and local:
            print(f"copying {dataset.title} from {local[0]} into {folder}", flush=True)
            prepare(dataset, folder, mirrors=local)
        elif defaulted:
            raise DataError(
                f"no {dataset.title} in {folder}: add --download to get it (or run "
                f"python -m lenet5.data download --dataset {dataset.name} --dest {folder})")
    for split in splits:  # names what is missing in a folder the user gave
        locate_split(folder, split)
    manifest.check_dataset(dataset.name, folder)
    mean, std = manifest.normalisation(dataset.name, folder)
    data = DataFolder(os.fspath(folder), dataset, float(mean), float(std), val_split)
    if val_split and "train" in splits:
        data.size("val")  # checks the share now, before anything trains
    return data
