"""The validation split (held out of the training images, always the same ones), fixed training
subsets, and main.py --val_split."""
import hashlib
import json

import numpy as np
import pytest

import lenet5
from helpers import SAMPLE, run_main
from lenet5.data import create_dataset, load_arrays, split_indices, split_size
from lenet5.errors import DataError


def digests(dataset, epochs=1):
    """The set of images (as hashes) each epoch of ``dataset`` yields."""
    seen = []
    iterator = dataset.create_tuple_iterator(output_numpy=True, num_epochs=epochs)
    for _ in range(epochs):  # the iterator stops at the end of each epoch, then goes on
        seen.append({hashlib.sha1(image.tobytes()).hexdigest()
                     for images, _ in iterator for image in images})
    return seen


def test_split_indices_partition_the_training_images():
    val, train = split_indices(8000, "val", 0.1), split_indices(8000, "train", 0.1)
    assert len(val) == 800 and len(train) == 7200
    assert not set(val) & set(train) and set(val) | set(train) == set(range(8000))
    assert np.array_equal(val, split_indices(8000, "val", 0.1))  # the same every time
    assert split_size(SAMPLE, "val", 0.1) == 800 and split_size(SAMPLE, "test", 0.1) == 2000
    labels = load_arrays(SAMPLE, "val", 0.1)[1]
    assert np.bincount(labels).min() >= 60  # every class is there (about 80 each)


def test_val_and_train_pipelines_hold_disjoint_images():
    lenet5.setup_device("CPU", seed=0)
    options = dict(batch_size=400, val_split=0.1, drop_remainder=False)
    val = digests(create_dataset(SAMPLE, "val", **options))[0]
    train = digests(create_dataset(SAMPLE, "train", **options))[0]
    assert len(val) == 800 and len(train) == 7200 and not val & train


@pytest.mark.parametrize("bad, message", [
    (dict(split="val"), "give val_split"),
    (dict(split="val", val_split=1.5), "val_split must be between 0 and 1"),
    (dict(split="train", val_split=0.00001), "holds out 0 of 8000"),
    (dict(split="valid", val_split=0.1), "unknown split 'valid'"),
])
def test_bad_validation_settings(bad, message):
    with pytest.raises(DataError, match=message):
        create_dataset(SAMPLE, **bad)


def test_num_samples_is_a_fixed_subset():
    """The same 640 images every epoch (MindSpore's own num_samples would draw with
    replacement, a different sample each epoch), in a new order each epoch."""
    lenet5.setup_device("CPU", seed=0)
    dataset = create_dataset(SAMPLE, "train", batch_size=32, num_samples=640)
    first, second = digests(dataset, epochs=2)
    assert len(first) == 640 and first == second


@pytest.mark.slow
def test_main_reports_validation_and_test(tmp_path):
    proc = run_main("--val_split", 0.1, "--epochs", 1, "--train_url", tmp_path,
                    "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert (metrics["num_train"], metrics["num_val"], metrics["num_test"]) == (7200, 800, 2000)
    assert metrics["val_split"] == 0.1 and 0.8 < metrics["val_accuracy"] <= 1
    assert "validation accuracy: " in proc.stdout and "test accuracy: " in proc.stdout
