"""EMNIST conversion, the data inspector, and main.py on the other datasets."""
import dataclasses
import gzip
import hashlib
import io
import json
import os
import string
import zipfile

import numpy as np
import pytest

from helpers import SAMPLE, run_main, write_split
from lenet5.cli import main as cli_main
from lenet5.data import catalog, class_names, emnist, load_arrays, manifest
from lenet5.data.__main__ import main as data_main
from lenet5.data.catalog import File
from lenet5.data.download import DownloadError, prepare
from lenet5.data.describe import pixel_stats
from lenet5.errors import DataError, Lenet5Error

FASHION_DIR = catalog.FASHION.local_dirs[0]
needs_fashion = pytest.mark.skipif(
    not os.path.isdir(FASHION_DIR),
    reason=f"Debian's dataset-fashion-mnist is not installed ({FASHION_DIR} is missing)")

# EMNIST's mapping files: label, ASCII code of the class (upper case first for letters).
CHARS = {"digits": string.digits, "letters": string.ascii_uppercase,
         "byclass": string.digits + string.ascii_uppercase + string.ascii_lowercase}
FIRST_LABEL = {"digits": 0, "letters": 1, "byclass": 0}  # EMNIST Letters counts from 1


def idx_gz(array):
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as f:
        header = np.array([0x800 + array.ndim, *array.shape], dtype=">u4").tobytes()
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())
    return buffer.getvalue()


def make_archive(per_class=1, variants=("digits", "letters", "byclass")):
    """A small gzip.zip with the structure of NIST's: gzip/emnist-<variant>-<split>-... .gz files
    and mapping files, images stored transposed as EMNIST stores them; ``per_class`` test images
    and twice as many training images per class. Returns the archive bytes and the upright
    images and EMNIST labels per (variant, split)."""
    rng = np.random.default_rng(7)
    truth, buffer = {}, io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for variant in variants:
            first = FIRST_LABEL[variant]
            chars = CHARS[variant]
            lower = variant == "letters"  # its lines also give the lower-case code
            lines = [f"{first + i} {ord(c)}" + (f" {ord(c.lower())}" if lower else "")
                     for i, c in enumerate(chars)]
            z.writestr(f"gzip/emnist-{variant}-mapping.txt", "\n".join(lines) + "\n")
            for split, n in (("train", 2 * per_class), ("test", per_class)):
                labels = rng.permutation(np.repeat(np.arange(len(chars)) + first, n))
                labels = labels.astype(np.uint8)
                images = rng.integers(0, 256, size=(len(labels), 28, 28), dtype=np.uint8)
                truth[variant, split] = (images, labels)
                z.writestr(emnist.member(variant, split, "images"),
                           idx_gz(images.transpose(0, 2, 1)))  # EMNIST's column-major storage
                z.writestr(emnist.member(variant, split, "labels"), idx_gz(labels))
    return buffer.getvalue(), truth


@pytest.fixture(scope="module")
def archive():
    return make_archive()


def emnist_entry(name, data):
    return dataclasses.replace(catalog.DATASETS[name], mirrors=(),
                               archive=File("gzip.zip", hashlib.md5(data).hexdigest()))


def test_emnist_36_extraction_transposition_and_labels(archive, mirror_factory, tmp_path):
    data, truth = archive
    mirror = mirror_factory({"gzip.zip": data})
    dest, cache = tmp_path / "emnist-36", tmp_path / "cache"
    prepare(emnist_entry("emnist-36", data), dest, mirrors=[mirror.url], cache=cache,
            log=lambda *_: None)
    for split in ("train", "test"):
        images, labels = load_arrays(dest, split)
        upright, emnist_labels = truth["byclass", split]
        keep = emnist_labels < 36  # digits 0-9 and capitals 10-35; lower case dropped
        assert np.array_equal(labels, emnist_labels[keep])
        assert np.array_equal(images, upright[keep])  # transposed back: upright again
        assert set(labels.tolist()) == set(range(36))
    assert sorted(f.name for f in (dest / "train").iterdir() if f.is_file()) == [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte"]  # plain IDX: no .gz to stage
    record = manifest.read(dest)
    assert record["dataset"] == "emnist-36" and record["classes"][26] == "Q"
    mean, std = pixel_stats(load_arrays(dest, "train")[0])
    assert (record["mean"], record["std"]) == (round(mean, 6), round(std, 6))
    assert manifest.normalisation("emnist-36", dest) == (record["mean"], record["std"])
    assert os.path.isfile(cache / "emnist-gzip.zip")
    assert not [f for _, _, fs in os.walk(dest) for f in fs if f.endswith(".part")]
    assert not [d for d in os.listdir(dest) if d.startswith(".emnist-")]


def test_emnist_letters_and_digits_reuse_the_cached_archive(archive, mirror_factory, tmp_path):
    data, truth = archive
    mirror = mirror_factory({"gzip.zip": data})
    cache = tmp_path / "cache"
    prepare(emnist_entry("emnist-letters", data), tmp_path / "letters", mirrors=[mirror.url],
            cache=cache, log=lambda *_: None)
    lines = []
    prepare(emnist_entry("emnist-digits", data), tmp_path / "digits", mirrors=[mirror.url],
            cache=cache, log=lines.append)
    assert len(mirror.requests) == 1 and "using the archive downloaded before" in lines[0]
    images, labels = load_arrays(tmp_path / "letters", split="train")
    upright, emnist_labels = truth["letters", "train"]
    assert np.array_equal(labels, emnist_labels - 1)  # 1..26 -> 0..25
    assert np.array_equal(images, upright)
    assert class_names("emnist-letters")[labels[0]] == string.ascii_uppercase[labels[0]]
    assert np.array_equal(load_arrays(tmp_path / "digits", "test")[1], truth["digits", "test"][1])
    # already converted: nothing to do
    prepare(emnist_entry("emnist-digits", data), tmp_path / "digits", mirrors=[mirror.url],
            cache=cache, log=lines.append)
    assert "already holds" in lines[-1] and len(mirror.requests) == 1


def test_emnist_wrong_or_broken_archive(archive, mirror_factory, tmp_path):
    data, _ = archive
    mirror = mirror_factory({"gzip.zip": data})
    wrong = dataclasses.replace(emnist_entry("emnist-36", data),
                                archive=File("gzip.zip", "0" * 32))
    with pytest.raises(DownloadError, match="wrong checksum"):
        prepare(wrong, tmp_path / "a", mirrors=[mirror.url], cache=tmp_path / "c",
                log=lambda *_: None)
    assert not os.listdir(tmp_path / "c") and not (tmp_path / "a").exists()
    only_digits, _ = make_archive(variants=("digits",))
    mirror.files["gzip.zip"] = only_digits
    with pytest.raises(DataError, match="not the EMNIST archive .*emnist-byclass-mapping"):
        prepare(emnist_entry("emnist-36", only_digits), tmp_path / "b", mirrors=[mirror.url],
                cache=tmp_path / "c", log=lambda *_: None)
    assert not os.path.exists(tmp_path / "b")


def test_label_table_follows_the_mapping_file():
    table = emnist.label_table("1 65 97\n2 66 98\n", ("A", "B"))
    assert table[1] == 0 and table[2] == 1 and table[0] == -1
    with pytest.raises(DataError, match="no label for C"):
        emnist.label_table("1 65 97\n2 66 98\n", ("A", "B", "C"))


def test_class_names():
    assert class_names("fashion")[9] == "Ankle boot"
    assert class_names("emnist-36")[26] == "Q" and len(class_names("emnist-36")) == 36
    assert class_names("emnist-letters")[16] == "Q" and class_names("mnist")[7] == "7"
    with pytest.raises(Lenet5Error, match="unknown dataset 'kmnist'"):
        class_names("kmnist")


# --- the inspector ---------------------------------------------------------------------------

def test_pixel_stats_is_exact():
    images = np.random.default_rng(0).integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    mean, std = pixel_stats(images)
    assert mean == pytest.approx((images / 255).mean(), abs=1e-12)
    assert std == pytest.approx((images / 255).std(), abs=1e-12)


def test_info_on_the_shipped_sample(capsys):
    assert data_main(["info", SAMPLE, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"] == "mnist"
    train, test = report["splits"]["train"], report["splits"]["test"]
    assert (train["count"], test["count"]) == (8000, 2000)
    assert train["image_size"] == [28, 28] and sum(train["class_counts"]) == 8000
    assert set(train["files"].values()) == {"the shipped MNIST sample"}
    assert list(train["classes"]) == list(string.digits)
    assert abs(train["pixel_mean"] - catalog.MNIST.mean) < 0.01
    assert data_main(["info", SAMPLE]) == 0
    text = capsys.readouterr().out
    assert "train: 8,000 images of 28x28" in text and "the shipped MNIST sample" in text
    assert cli_main(["data", "info", SAMPLE]) == 0  # the same as `lenet5 data info`
    assert capsys.readouterr().out == text


def test_info_on_unknown_and_missing_folders(tmp_path, capsys):
    write_split(tmp_path / "test", "test", 20)
    assert data_main(["info", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"] is None and list(report["splits"]) == ["test"]
    assert "no train split" in report["missing"][0]
    assert set(report["splits"]["test"]["files"].values()) == {
        "neither official nor the shipped sample (no known checksum)"}
    assert data_main(["info", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: data folder") and "does not exist" in err[0]


@needs_fashion
def test_fashion_from_the_debian_package_offline_and_its_statistics(tmp_path, capsys):
    """The Debian files are a recompressed copy: accepted by the MD5 of their content; the
    catalogue's normalisation constants are what the inspector measures on them."""
    prepare(catalog.FASHION, tmp_path / "fashion", mirrors=[FASHION_DIR], log=lambda *_: None)
    assert data_main(["info", str(tmp_path / "fashion"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    train = report["splits"]["train"]
    assert report["dataset"] == "fashion" and train["count"] == 60000
    assert all(v.startswith("official fashion") for v in train["files"].values())
    assert train["classes"]["Ankle boot"] == 6000
    assert (train["pixel_mean"], train["pixel_std"]) == (catalog.FASHION.mean, catalog.FASHION.std)


# --- main.py on the other datasets -------------------------------------------------------------

def assert_one_error(proc, *fragments):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), \
        proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_main_without_the_data_says_how_to_get_it(tmp_path):
    proc = run_main("--dataset", "emnist-36", "--train_url", tmp_path / "out", cwd=tmp_path)
    assert_one_error(proc, "no EMNIST digits and capital letters (36 classes) in data/emnist-36/",
                     "add --download", "python -m lenet5.data download --dataset emnist-36")
    assert not (tmp_path / "out").exists()


def test_main_refuses_a_folder_of_another_dataset(tmp_path):
    write_split(tmp_path / "d" / "train", "train", 16)
    write_split(tmp_path / "d" / "test", "test", 16)
    manifest.write(tmp_path / "d", catalog.FASHION, files={}, source="test")
    proc = run_main("--data_url", tmp_path / "d", "--train_url", tmp_path / "out")
    assert_one_error(proc, "holds 'fashion', not 'mnist'", "--dataset fashion")


@pytest.mark.slow
def test_main_trains_on_emnist_letters_with_its_classes(archive, mirror_factory, tmp_path):
    data, _ = archive
    mirror = mirror_factory({"gzip.zip": data})
    dest = tmp_path / "letters"
    prepare(emnist_entry("emnist-letters", data), dest, mirrors=[mirror.url],
            cache=tmp_path / "cache", log=lambda *_: None)
    proc = run_main("--dataset", "emnist-letters", "--data_url", dest, "--epochs", 1,
                    "--batch_size", 8, "--train_url", tmp_path / "out", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    record = manifest.read(dest)
    assert metrics["num_classes"] == 26 and metrics["classes"][16] == "Q"
    assert metrics["normalisation"] == {"mean": record["mean"], "std": record["std"]}
    assert (metrics["num_train"], metrics["num_test"]) == (52, 26)


@pytest.mark.slow
@needs_fashion
def test_main_fashion_one_epoch_offline(tmp_path):
    proc = run_main("--dataset", "fashion", "--epochs", 1, "--train_url", tmp_path / "out",
                    "--progress", "none", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"copying Fashion-MNIST (Zalando article images) from file://{FASHION_DIR}" \
        in proc.stdout
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["dataset"] == "fashion" and metrics["classes"][9] == "Ankle boot"
    assert (metrics["num_train"], metrics["num_test"]) == (60000, 10000)
    assert metrics["normalisation"] == {"mean": 0.286, "std": 0.353}
    assert metrics["accuracy"] > 0.80  # one epoch of LeNet5 on Fashion-MNIST: about 85%
    assert manifest.read(tmp_path / "data" / "fashion")["dataset"] == "fashion"
