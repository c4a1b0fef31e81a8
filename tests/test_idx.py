import gzip
import os
import struct

import numpy as np
import pytest

from lenet5.data import idx
from lenet5.errors import DataError


def test_write_read_roundtrip_plain_and_gz(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    for name in ("a-idx3-ubyte", "a-idx3-ubyte.gz"):
        idx.write(tmp_path / name, images)
    idx.gunzip(tmp_path / "a-idx3-ubyte.gz", tmp_path / "b-idx3-ubyte")
    assert np.array_equal(idx.read(tmp_path / "a-idx3-ubyte"), images)
    assert np.array_equal(idx.read(tmp_path / "b-idx3-ubyte"), images)
    assert idx.read_header(tmp_path / "a-idx3-ubyte") == (idx.IMAGES_MAGIC, (2, 28, 28))


def test_gz_output_is_reproducible(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    idx.write(tmp_path / "x.gz", labels)
    idx.write(tmp_path / "y.gz", labels)
    assert (tmp_path / "x.gz").read_bytes() == (tmp_path / "y.gz").read_bytes()


def test_wrong_magic_names_file_and_numbers(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(DataError, match=r"images: not an MNIST IDX file \(magic number 1347093252"):
        idx.read_header(path)


@pytest.mark.parametrize("cut, message", [(10, "truncated"), (-5, "has trailing bytes")])
def test_size_must_match_header(tmp_path, cut, message):
    path = tmp_path / "labels"
    idx.write(path, np.zeros(20, dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[:-cut] if cut > 0 else data + bytes(-cut))
    with pytest.raises(DataError, match=f"labels: {message}: the header announces 20 labels"):
        idx.read_header(path)


def test_short_files(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(DataError, match="not an IDX file"):
        idx.read_header(tmp_path / "empty")
    (tmp_path / "half").write_bytes(struct.pack(">II", idx.IMAGES_MAGIC, 5))
    with pytest.raises(DataError, match="truncated IDX header"):
        idx.read_header(tmp_path / "half")


def test_pair_checks_counts_and_kinds(tmp_path):
    idx.write(tmp_path / "img", np.zeros((3, 28, 28), np.uint8))
    idx.write(tmp_path / "lab", np.zeros(4, np.uint8))
    with pytest.raises(DataError, match="holds 3 images but .*lab holds 4 labels"):
        idx.check_pair(tmp_path / "img", tmp_path / "lab")
    with pytest.raises(DataError, match="expected an images file"):
        idx.check_pair(tmp_path / "lab", tmp_path / "lab")
    with pytest.raises(DataError, match="expected a labels file"):
        idx.check_pair(tmp_path / "img", tmp_path / "img")


def test_corrupt_gzip_leaves_nothing_behind(tmp_path):
    good = gzip.compress(struct.pack(">II", idx.LABELS_MAGIC, 1000) + bytes(1000))
    (tmp_path / "x.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="x.gz: corrupt gzip file"):
        idx.gunzip(tmp_path / "x.gz", tmp_path / "x")
    assert sorted(os.listdir(tmp_path)) == ["x.gz"]
