"""ModelArts: obs:// data in and results out through moxing, here a fake that copies folders."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT, SAMPLE, write_split
from lenet5.platform import modelarts
from lenet5.errors import Lenet5Error

FAKE_MOXING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_moxing")


def run_main_with(env_extra, *args):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(env_extra)
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def fake_obs(tmp_path, monkeypatch):
    """An OBS bucket in a folder, and the fake moxing importable in this process."""
    root = tmp_path / "obs"
    root.mkdir()
    monkeypatch.setenv("FAKE_OBS_ROOT", str(root))
    monkeypatch.syspath_prepend(FAKE_MOXING)
    return root


def test_remote_addresses():
    assert modelarts.is_remote("obs://bucket/MNIST/") and modelarts.is_remote("S3://b/x")
    assert not modelarts.is_remote("MNIST/") and not modelarts.is_remote("/cache/obs://x")


def test_modelarts_is_detected_by_its_variables(monkeypatch):
    for name in modelarts.MODELARTS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert not modelarts.in_modelarts()
    monkeypatch.setenv("MA_JOB_DIR", "/home/ma-user/modelarts/user-job-dir")
    assert modelarts.in_modelarts()


def test_local_paths_are_used_as_they_are():
    assert modelarts.fetch_data("MNIST/") == "MNIST/"


def test_fetch_data_copies_a_bucket_folder(fake_obs):
    write_split(fake_obs / "bucket" / "data" / "test", "test", 8)
    local = modelarts.fetch_data("obs://bucket/data/")
    assert local != "obs://bucket/data/" and os.path.isdir(local)
    assert sorted(os.listdir(os.path.join(local, "test"))) == ["t10k-images-idx3-ubyte",
                                                               "t10k-labels-idx1-ubyte"]


def test_a_failed_copy_is_one_line(fake_obs):
    with pytest.raises(Lenet5Error) as err:
        modelarts.copy("obs://bucket/absent/", str(fake_obs / "local"))
    assert str(err.value).startswith("could not copy obs://bucket/absent/ to ")
    assert "does not exist" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.slow
def test_main_reads_from_and_writes_to_obs(tmp_path):
    bucket = tmp_path / "obs" / "bucket"
    write_split(bucket / "MNIST" / "train", "train", 64, gz=True)
    shutil.copytree(os.path.join(SAMPLE, "test"), bucket / "MNIST" / "test")
    proc = run_main_with({"PYTHONPATH": FAKE_MOXING, "FAKE_OBS_ROOT": str(tmp_path / "obs"),
                          "TMPDIR": str(tmp_path)},
                         "--data_url", "obs://bucket/MNIST/", "--train_url", "obs://bucket/out/",
                         "--epochs", 1, "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(bucket / "out")) == ["lenet5.ckpt", "metrics.json"]
    metrics = json.loads((bucket / "out" / "metrics.json").read_text())
    assert metrics["data_url"] == "obs://bucket/MNIST/"
    assert (metrics["num_train"], metrics["num_test"]) == (64, 2000)
    assert "results in obs://bucket/out/" in proc.stdout
    assert not [p for p in os.listdir(tmp_path) if p.startswith("lenet5-")]  # local copies gone


def test_obs_without_moxing_is_one_clear_error(tmp_path):
    env = {"TMPDIR": str(tmp_path)}
    for name in modelarts.MODELARTS_VARIABLES:
        env[name] = ""
    proc = run_main_with(env, "--data_url", "obs://bucket/MNIST/", "--train_url", tmp_path / "o")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: obs://bucket/MNIST/ is an OBS "
                                                    "address, which needs Huawei's `moxing`")
    assert "PyPI's `moxing` is a different package" in lines[0]
    assert not (tmp_path / "o").exists()


def test_results_to_obs_without_moxing_fail_before_training(tmp_path):
    proc = run_main_with({"TMPDIR": str(tmp_path)}, "--train_url", "obs://bucket/out/")
    assert proc.returncode == 2 and "error: obs://bucket/out/ is an OBS address" in proc.stderr
    assert "training LeNet5" not in proc.stdout
