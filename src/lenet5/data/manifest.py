"""``dataset.json``: what a data folder made by ``python -m lenet5.data download`` holds.

The downloader writes it last, so its presence means the folder is complete. It names the
dataset (main.py refuses to train ``--dataset fashion`` on a folder of digits), the class
names, the training split's pixel mean/std, and the MD5 of every data file.
"""
import json
import os

from ..atomic import write_json
from ..errors import DataError
from . import catalog
from .pipeline import load_arrays, pixel_stats

NAME = "dataset.json"


def write(folder, dataset, files, source, mean=None, std=None):
    """Record ``files`` ({relative path: md5}) of ``dataset`` in ``folder``."""
    mean = dataset.mean if mean is None else mean
    std = dataset.std if std is None else std
    write_json(os.path.join(folder, NAME), {
        "dataset": dataset.name, "title": dataset.title, "classes": list(dataset.classes),
        "mean": round(float(mean), 6), "std": round(float(std), 6), "source": source,
        "files": files})


def read(folder):
    """The manifest of ``folder`` as a dict, or None if it has none."""
    path = os.path.join(folder, NAME)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        manifest["dataset"], manifest["files"]  # noqa: B018  (the keys every manifest has)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(f"{path}: not a valid {NAME} ({e}); delete it and download again") \
            from None
    return manifest


def check_dataset(name, folder):
    """Raise :class:`DataError` if ``folder``'s manifest says it holds another dataset."""
    manifest = read(folder) if os.path.isdir(folder) else None
    if manifest and manifest["dataset"] != name:
        raise DataError(f"{folder} holds {manifest['dataset']!r}, not {name!r}: choose "
                        f"--dataset {manifest['dataset']} or another data folder")


def normalisation(name, folder):
    """``(mean, std)`` of dataset ``name``'s training pixels (p / 255): the catalogue's numbers,
    else those measured when ``folder`` was made (EMNIST), else measured now."""
    dataset = catalog.get(name)
    if dataset.mean is not None:
        return dataset.mean, dataset.std
    manifest = read(folder)
    if manifest and manifest.get("mean") is not None:
        return manifest["mean"], manifest["std"]
    return pixel_stats(load_arrays(folder, "train")[0])
