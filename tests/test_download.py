"""The downloader against mirrors on 127.0.0.1: real HTTP, real checksum logic, generated files."""
import dataclasses
import gzip
import hashlib
import os
import shutil

import numpy as np
import pytest

from helpers import SAMPLE, closed_port_url, write_split
from lenet5.checksums import file_digest
from lenet5.data import catalog, download, idx, load_arrays, manifest
from lenet5.data.__main__ import main as data_main
from lenet5.data.catalog import File
from lenet5.data.download import DownloadError, prepare
from lenet5.errors import DataError

NAMES = [f.name for f in catalog.MNIST.files]


def md5(data):
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def published(tmp_path):
    """Generated MNIST-style files and a catalogue entry holding their checksums."""
    source = tmp_path / "source"
    write_split(source, "train", 64, gz=True, seed=1)
    write_split(source, "test", 32, gz=True, seed=2)
    files = {name: (source / name).read_bytes() for name in NAMES}
    dataset = dataclasses.replace(catalog.MNIST, mirrors=(), files=tuple(
        File(name, md5(data), md5(gzip.decompress(data))) for name, data in files.items()))
    return dataset, files


def leftovers(folder):
    """Temporary or partial files anywhere under ``folder``."""
    return [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names
            if f.endswith(".part")]


def test_success_course_layout_checksums_and_manifest(published, mirror_factory, tmp_path):
    dataset, files = published
    mirror = mirror_factory(files)
    dest = tmp_path / "mnist"
    prepare(dataset, dest, mirrors=[mirror.url], log=lambda *_: None)
    for split, names in (("train", NAMES[:2]), ("test", NAMES[2:])):
        for name in names:
            assert (dest / split / name).read_bytes() == files[name]
    images, labels = load_arrays(dest, split="train")
    assert images.shape == (64, 28, 28) and labels.shape == (64,)
    record = manifest.read(dest)
    assert record["dataset"] == "mnist" and record["classes"] == list("0123456789")
    assert record["files"]["train/train-images-idx3-ubyte.gz"] == md5(files[NAMES[0]])
    assert not leftovers(dest)
    # A second run finds everything in place and downloads nothing.
    served = len(mirror.requests)
    lines = []
    prepare(dataset, dest, mirrors=[mirror.url], log=lines.append)
    assert len(mirror.requests) == served and "checksums match" in lines[-1]


def test_wrong_checksum_is_rejected_and_nothing_is_left(published, mirror_factory, tmp_path):
    dataset, files = published
    bad = dict(files)
    bad[NAMES[2]] = gzip.compress(b"\0\0\x08\x03" + bytes(12))  # a valid gzip, wrong content
    mirror = mirror_factory(bad)
    dest = tmp_path / "mnist"
    with pytest.raises(DownloadError, match=rf"t10k-images-idx3-ubyte.gz: {mirror.url}: "
                                            r"wrong checksum \(MD5 [0-9a-f]{32} is not the "
                                            rf"published {dataset.files[2].md5}\)") as error:
        prepare(dataset, dest, mirrors=[mirror.url], log=lambda *_: None)
    assert not error.value.offline and "Nothing was left half-written" in str(error.value)
    assert not (dest / "test" / NAMES[2]).exists() and not leftovers(dest)
    assert not (dest / manifest.NAME).exists()  # the folder is not complete
    # the files before it were checked and kept; a rerun fetches only what is missing
    assert (dest / "train" / NAMES[0]).read_bytes() == files[NAMES[0]]


def test_first_mirror_down_then_second_used(published, mirror_factory, tmp_path):
    dataset, files = published
    broken = mirror_factory({})  # answers 404 for everything
    good = mirror_factory(files)
    notes = []
    prepare(dataset, tmp_path / "d", mirrors=[closed_port_url(), broken.url, good.url],
            log=notes.append)
    assert load_arrays(tmp_path / "d", split="test")[1].shape == (32,)
    failures = [n for n in notes if n.startswith("note: ")]
    assert len(failures) == 2 * len(NAMES)
    assert "connection refused" in failures[0] and "HTTP 404" in failures[1]
    assert all(f.endswith(f"used {good.url}") for f in failures)


@pytest.mark.parametrize("ranges", [True, False], ids=["resume", "restart"])
def test_connection_dropped_mid_file(published, mirror_factory, tmp_path, ranges):
    dataset, files = published
    mirror = mirror_factory(files, ranges=ranges)
    cut = len(files[NAMES[0]]) // 3
    mirror.drops[NAMES[0]] = cut
    dest = tmp_path / "d"
    prepare(dataset, dest, mirrors=[mirror.url], log=lambda *_: None)
    assert (dest / "train" / NAMES[0]).read_bytes() == files[NAMES[0]]
    tries = [r for name, r in mirror.requests if name == NAMES[0]]
    # the second request asks for the rest; a server without Range support sends it all again
    assert tries == [None, f"bytes={cut}-"]
    assert not leftovers(dest)


def test_connection_dropped_every_time_gives_up_cleanly(published, mirror_factory, tmp_path):
    dataset, files = published

    class Always(dict):  # drop after 100 bytes on every request
        def pop(self, name, default=None):
            return 100 if name == NAMES[0] else default

    mirror = mirror_factory(files, ranges=False)
    mirror.drops = Always()
    with pytest.raises(DownloadError, match="connection dropped after 100 of .* bytes "
                                            r"\(gave up after 2 attempts\)"):
        prepare(dataset, tmp_path / "d", mirrors=[mirror.url], retries=2, log=lambda *_: None)
    assert len(mirror.requests) == 2 and not leftovers(tmp_path / "d")
    assert not (tmp_path / "d" / "train" / NAMES[0]).exists()


def test_spliced_file_with_wrong_checksum_restarts_once(published, mirror_factory, tmp_path):
    """The file changed on the server between a drop and the resume: the spliced part has the
    wrong checksum, and one clean restart fixes it."""
    dataset, files = published
    original, cut = files[NAMES[0]], 50

    class Changing(dict):  # the first response serves an older version of the file
        served = 0

        def __getitem__(self, name):
            if name == NAMES[0]:
                self.served += 1
                return b"X" * cut + original[cut:] if self.served == 1 else original
            return super().__getitem__(name)

    mirror = mirror_factory(files)
    mirror.files = Changing(files)
    mirror.drops[NAMES[0]] = cut
    prepare(dataset, tmp_path / "d", mirrors=[mirror.url], log=lambda *_: None)
    tries = [r for name, r in mirror.requests if name == NAMES[0]]
    assert tries == [None, f"bytes={cut}-", None]  # resumed, checksum wrong, clean restart
    assert (tmp_path / "d" / "train" / NAMES[0]).read_bytes() == original


def test_no_network_one_clear_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(download, "BACKOFF", 0)
    code = data_main(["download", "--dataset", "mnist", "--dest", str(tmp_path / "m"),
                      "--mirror", closed_port_url(), "--mirror", closed_port_url()])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot download MNIST")
    assert "no mirror can be reached (no network?)" in lines[0]
    assert "connection refused" in lines[0]
    assert "ossci-datasets.s3.amazonaws.com/mnist/" in lines[0]  # how to get it by hand
    assert "shipped 10,000-digit MNIST sample in MNIST/" in lines[0]
    assert not leftovers(tmp_path)


def test_shipped_sample_is_never_overwritten_without_force(published, mirror_factory, tmp_path):
    dataset, files = published
    mirror = mirror_factory(files)
    dest = tmp_path / "MNIST"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".lenet5"))
    before = {p: p.read_bytes() for p in dest.rglob("*.gz")}
    with pytest.raises(DataError, match="holds the shipped MNIST sample: download into another "
                                        "folder .* add --force to replace the sample"):
        prepare(dataset, dest, mirrors=[mirror.url], log=lambda *_: None)
    assert {p: p.read_bytes() for p in dest.rglob("*.gz")} == before and not mirror.requests
    # the command line says the same in one line, exit 2
    assert data_main(["download", "--dest", str(dest), "--mirror", mirror.url]) == 2
    prepare(dataset, dest, force=True, mirrors=[mirror.url], log=lambda *_: None)
    assert (dest / "train" / NAMES[0]).read_bytes() == files[NAMES[0]]
    assert load_arrays(dest, split="train")[0].shape == (64, 28, 28)  # staging refreshed


def test_other_data_needs_force_and_stale_plain_files_go(published, mirror_factory, tmp_path):
    dataset, files = published
    mirror = mirror_factory(files)
    dest = tmp_path / "d"
    write_split(dest / "train", "train", 16)  # plain files of something else
    with pytest.raises(DataError, match="already holds other data"):
        prepare(dataset, dest, mirrors=[mirror.url], log=lambda *_: None)
    prepare(dataset, dest, force=True, mirrors=[mirror.url], log=lambda *_: None)
    assert not (dest / "train" / "train-images-idx3-ubyte").exists()  # would shadow the .gz
    assert load_arrays(dest, split="train")[0].shape == (64, 28, 28)


def test_local_folder_mirror_and_recompressed_copy(published, tmp_path):
    """A folder works as a mirror (file://), and a recompressed copy of the official content
    is accepted through the MD5 of the content (Debian's dataset-fashion-mnist is one)."""
    dataset, files = published
    folder = tmp_path / "by-hand"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(gzip.compress(gzip.decompress(data), compresslevel=1))
    assert all(md5((folder / n).read_bytes()) != f.md5 for n, f in zip(NAMES, dataset.files))
    prepare(dataset, tmp_path / "d", mirrors=[str(folder)], log=lambda *_: None)
    images, _ = load_arrays(tmp_path / "d", split="test")
    (tmp_path / "expected").write_bytes(gzip.decompress(files[NAMES[2]]))
    assert np.array_equal(images, idx.read(tmp_path / "expected"))
    assert download.matches(tmp_path / "d" / "test" / NAMES[2], dataset.files[2]) == \
        "official content"


def test_checksums_of_the_catalogue_are_well_formed():
    for dataset in catalog.DATASETS.values():
        published = list(dataset.files) + ([dataset.archive] if dataset.archive else [])
        assert published and dataset.mirrors and dataset.get_by_hand
        for f in published:
            assert len(f.md5) == 32 and int(f.md5, 16) >= 0
            assert f.content_md5 is None or len(f.content_md5) == 32
    # the four official MNIST files, as torchvision publishes them
    assert [f.md5 for f in catalog.MNIST.files] == [
        "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
        "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"]


def test_shipped_sample_checksums_are_the_files_in_MNIST():
    for name, (gz_sha, content_sha) in catalog.SHIPPED_SAMPLE.items():
        split = "train" if name.startswith("train") else "test"
        path = os.path.join(SAMPLE, split, name + ".gz")
        assert file_digest(path) == gz_sha
        with gzip.open(path) as f:
            assert hashlib.sha256(f.read()).hexdigest() == content_sha
