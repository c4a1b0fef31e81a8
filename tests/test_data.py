import os

import numpy as np
import pytest

from helpers import SAMPLE, write_split
from lenet5 import data
from lenet5.data import idx
import lenet5.data.pipeline  # noqa: F401  (monkeypatched below)
from lenet5.data import create_dataset, locate_split
from lenet5.errors import DataError


@pytest.mark.parametrize("layout", ["course", "flat"])
@pytest.mark.parametrize("gz", [False, True])
def test_layouts(tmp_path, layout, gz):
    for split, n in (("train", 48), ("test", 16)):
        write_split(tmp_path / split if layout == "course" else tmp_path, split, n, gz=gz)
    train_dir, usage, count = locate_split(tmp_path, split="train")
    assert (usage, count) == ("train", 48)
    assert locate_split(tmp_path, split="test")[1:] == ("test", 16)
    ds = create_dataset(tmp_path, split="train", batch_size=16)
    assert ds.get_dataset_size() == 3


def test_gz_is_decompressed_once_and_only_the_needed_files_are_staged(tmp_path):
    write_split(tmp_path, "train", 32, gz=True)
    folder, _, _ = locate_split(tmp_path, "train")
    staged = os.path.join(folder, "train-images-idx3-ubyte")
    first = os.stat(staged).st_mtime_ns
    locate_split(tmp_path, "train")
    assert os.stat(staged).st_mtime_ns == first
    assert sorted(os.listdir(folder)) == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]


def test_without_symlinks_plain_files_are_copied_once(tmp_path, monkeypatch):
    def refuse(*args):  # Windows without Developer Mode: "A required privilege is not held"
        raise OSError(1314, "A required privilege is not held by the client")
    monkeypatch.setattr(data.pipeline.os, "symlink", refuse)
    write_split(tmp_path, "test", 16)
    folder, _, count = locate_split(tmp_path, "test")
    staged = os.path.join(folder, "t10k-images-idx3-ubyte")
    assert count == 16 and not os.path.islink(staged)
    first = os.stat(staged).st_ino, os.stat(staged).st_mtime_ns
    assert create_dataset(tmp_path, split="test", batch_size=16).get_dataset_size() == 1
    assert (os.stat(staged).st_ino, os.stat(staged).st_mtime_ns) == first  # not copied again


def test_read_only_folder_stages_into_user_cache(tmp_path, monkeypatch):
    write_split(tmp_path / "data", "test", 32, gz=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data.pipeline.os, "access", lambda path, mode: False)
    folder, _, count = locate_split(tmp_path / "data", "test")
    assert folder.startswith(str(tmp_path / "cache")) and count == 32
    assert not (tmp_path / "data" / ".lenet5").exists()


def test_missing_empty_and_incomplete_folders(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        locate_split(tmp_path / "nope")
    with pytest.raises(DataError, match="is empty"):
        locate_split(tmp_path)
    write_split(tmp_path, "train", 16)
    os.remove(tmp_path / "train-labels-idx1-ubyte")
    with pytest.raises(DataError, match="no train split .* expected train-images-idx3-ubyte and "
                                        "train-labels-idx1-ubyte"):
        locate_split(tmp_path)


def test_bad_file_is_named_before_mindspore_sees_it(tmp_path):
    images, labels = write_split(tmp_path, "test", 16)
    with open(labels, "ab") as f:
        f.write(b"\0")
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte: has trailing bytes"):
        create_dataset(tmp_path, split="test")


def test_labels_out_of_range(tmp_path):
    write_split(tmp_path, "train", 20, num_classes=10)
    data.check_labels(tmp_path, "train", 10)
    with pytest.raises(DataError, match="label 9 is out of range for --num_classes 5"):
        data.check_labels(tmp_path, "train", 5)


def test_batch_size_zero(tmp_path):
    write_split(tmp_path, "train", 16)
    with pytest.raises(DataError, match="batch size must be at least 1"):
        create_dataset(tmp_path, batch_size=0)


# --- the shipped sample -------------------------------------------------------------------

def test_sample_sizes_and_class_balance():
    train_images, train_labels = data.load_arrays(SAMPLE, "train")
    test_images, test_labels = data.load_arrays(SAMPLE, "test")
    assert train_images.shape == (8000, 28, 28) and test_images.shape == (2000, 28, 28)
    assert train_images.dtype == np.uint8
    counts = np.bincount(train_labels, minlength=10) + np.bincount(test_labels, minlength=10)
    assert counts.sum() == 10000 and counts.min() > 800
    # each class split 80/20 to within one image
    ratio = np.bincount(train_labels) / counts
    assert np.all(np.abs(ratio - 0.8) < 1.5 / counts)
    # real digits: dark background, bright strokes, mean close to MNIST's 0.1307
    assert abs(train_images.mean() / 255 - data.MNIST_MEAN) < 0.01


def test_pipeline_shapes_dtypes_range_and_normalisation():
    ds = create_dataset(SAMPLE, split="train", batch_size=32)
    assert ds.get_dataset_size() == 8000 // 32
    images, labels = next(ds.create_tuple_iterator(output_numpy=True))
    assert images.shape == (32, 1, 32, 32) and images.dtype == np.float32
    assert labels.shape == (32,) and labels.dtype == np.int32
    lo, hi = -data.MNIST_MEAN / data.MNIST_STD, (1 - data.MNIST_MEAN) / data.MNIST_STD
    assert images.min() >= lo - 1e-5 and images.max() <= hi + 1e-5
    test = create_dataset(SAMPLE, split="test", batch_size=500)
    pixels = np.concatenate([b[0] for b in test.create_tuple_iterator(output_numpy=True)])
    assert pixels.shape == (2000, 1, 32, 32)  # evaluation keeps every image
    # 0.1307/0.3081 are 28x28 statistics; bilinear resizing to 32x32 smooths the strokes a
    # little, so the std after the pipeline is about 0.94 rather than exactly 1.
    assert abs(pixels.mean()) < 0.05 and abs(pixels.std() - 1) < 0.1


def test_test_split_keeps_the_last_partial_batch():
    assert create_dataset(SAMPLE, split="test", batch_size=32).get_dataset_size() == 63
    assert create_dataset(SAMPLE, split="train", batch_size=3000).get_dataset_size() == 2


def test_shards_are_disjoint_and_cover_the_split(course_layout):
    seen = []
    for shard in range(2):
        ds = create_dataset(course_layout, split="train", batch_size=8, num_shards=2,
                            shard_id=shard, shuffle=False)
        seen.append({img.tobytes() for img, _ in ds.create_tuple_iterator(output_numpy=True)
                     for img in img})
    assert len(seen[0]) == len(seen[1]) == 32 and not seen[0] & seen[1]


def test_augmentation_changes_images_but_not_shapes(course_layout):
    plain = create_dataset(course_layout, "train", batch_size=64, shuffle=False)
    moved = create_dataset(course_layout, "train", batch_size=64, shuffle=False, augment=True)
    a = next(plain.create_tuple_iterator(output_numpy=True))[0]
    b = next(moved.create_tuple_iterator(output_numpy=True))[0]
    assert a.shape == b.shape and not np.allclose(a, b)


def test_augmentation_moves_images_both_ways_around_the_centre():
    """The random shifts average out: a one-sided shift would make the network learn images that
    the (unshifted) test split never shows. Runs through the real pipeline, in file order."""
    kwargs = dict(split="train", batch_size=300, shuffle=False)
    plain = next(create_dataset(SAMPLE, **kwargs).create_tuple_iterator(output_numpy=True))[0]
    moved = next(create_dataset(SAMPLE, augment=True, **kwargs).create_tuple_iterator(
        output_numpy=True))[0]

    def centre(batch):
        ink = batch[:, 0] - batch.min()
        rows, cols = np.mgrid[:32, :32]
        mass = ink.sum(axis=(1, 2))
        return (ink * rows).sum(axis=(1, 2)) / mass, (ink * cols).sum(axis=(1, 2)) / mass

    (y0, x0), (y1, x1) = centre(plain), centre(moved)
    assert abs((x1 - x0).mean()) < 0.3 and abs((y1 - y0).mean()) < 0.3  # no drift
    assert np.abs(x1 - x0).mean() > 0.5 and np.abs(y1 - y0).mean() > 0.5  # but real moves


def test_sample_files_are_valid_idx():
    for split, (images, labels) in (("train", ("train-images", "train-labels")),
                                    ("test", ("t10k-images", "t10k-labels"))):
        folder = os.path.join(SAMPLE, split)
        files = sorted(f for f in os.listdir(folder) if f.endswith(".gz"))
        assert files == [f"{images}-idx3-ubyte.gz", f"{labels}-idx1-ubyte.gz"]
    assert idx.read_header(os.path.join(locate_split(SAMPLE, "train")[0],
                                        "train-images-idx3-ubyte"))[1] == (8000, 28, 28)


def test_sample_checksums_match_its_readme():
    import hashlib
    import re
    readme = open(os.path.join(SAMPLE, "README.md"), encoding="utf-8").read()
    listed = dict((name, digest) for digest, name in
                  re.findall(r"^\s*([0-9a-f]{64})\s+(\S+)$", readme, flags=re.M))
    assert len(listed) == 4
    for name, digest in listed.items():
        with open(os.path.join(SAMPLE, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, name
