"""main.py as a user runs it: a subprocess, exit codes, stderr, and files on disk."""
import json
import os

import pytest

from helpers import SAMPLE, run_main, write_split
from lenet5.data import idx


def assert_one_clear_error(proc, *fragments):
    assert proc.returncode == 2, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    proc = run_main("--epochs", 1, "--train_url", out, "--progress", "log",
                    "--some_modelarts_flag=1")
    assert proc.returncode == 0, proc.stderr
    return out, proc


@pytest.mark.slow
def test_train_end_to_end(trained_run):
    out, proc = trained_run
    assert sorted(os.listdir(out)) == ["lenet5.ckpt", "metrics.json"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["accuracy"] > 0.85 and 0 < metrics["loss"] < 1
    assert metrics["epochs"] == 1 and metrics["recipe"] == "course"
    assert (metrics["num_train"], metrics["num_test"]) == (8000, 2000)
    assert metrics["device_target"] == "CPU" and metrics["data_url"] == "MNIST/"
    assert metrics["train_seconds"] > 0 and metrics["train_images_per_second"] > 100
    assert "epoch: 1/1 step: 250, loss is" in proc.stdout
    assert "step 125/250" in proc.stdout  # log-style progress lines, every tenth of an epoch
    assert "test accuracy:" in proc.stdout
    assert "ignoring unknown arguments: --some_modelarts_flag=1" in proc.stderr


@pytest.mark.slow
def test_eval_only_needs_only_the_test_split(trained_run, tmp_path):
    out, _ = trained_run
    os.symlink(os.path.join(SAMPLE, "test"), tmp_path / "test")
    proc = run_main("--eval_only", "--ckpt", out / "lenet5.ckpt", "--data_url", tmp_path,
                    "--train_url", tmp_path / "eval")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    before = json.loads((out / "metrics.json").read_text())
    assert metrics["accuracy"] == pytest.approx(before["accuracy"])
    assert metrics["epochs"] == 0 and os.listdir(tmp_path / "eval") == ["metrics.json"]


def test_help_shows_defaults():
    proc = run_main("--help")
    assert proc.returncode == 0
    text_of_help = " ".join(proc.stdout.split())  # argparse wraps lines at the terminal width
    for text in ("--data_url", "(default: MNIST/, the shipped sample, for mnist", "--train_url",
                 "(default: outputs/)", "--dataset", "--download",
                 "(default: mnist, or the dataset --ckpt was trained on)",
                 "course: 3", "course: 32", "course: 0.01", "course: 0.9", "--recipe"):
        assert text in text_of_help


def corrupt(kind, root):
    """Make a data folder broken in one way; return the data_url."""
    if kind == "missing":
        return root / "absent"
    if kind == "empty":
        (root / "empty").mkdir()
        return root / "empty"
    data = root / "data"
    train_images, train_labels = write_split(data / "train", "train", 32)
    write_split(data / "test", "test", 32)
    if kind == "wrong_magic":
        with open(train_images, "r+b") as f:
            f.write(b"\x00\x00\x08\x02")
    elif kind == "truncated":
        with open(train_images, "r+b") as f:
            f.truncate(1000)
    elif kind == "count_mismatch":
        idx.write(train_labels, idx.read(train_labels)[:31])
    return data


@pytest.mark.parametrize("kind, fragments", [
    ("missing", ["data folder", "does not exist"]),
    ("empty", ["is empty"]),
    ("wrong_magic", ["train-images-idx3-ubyte: not an MNIST IDX file (magic number 2050"]),
    ("truncated", ["train-images-idx3-ubyte: truncated"]),
    ("count_mismatch", ["holds 32 images but", "holds 31 labels"]),
])
def test_bad_data(tmp_path, kind, fragments):
    out = tmp_path / "out"
    proc = run_main("--data_url", corrupt(kind, tmp_path), "--train_url", out)
    assert_one_clear_error(proc, *fragments)
    assert not out.exists()


@pytest.mark.parametrize("args, fragment", [
    (["--epochs", "0"], "recipe 'course': epochs must be at least 1, got 0"),
    (["--lr", "-0.1"], "recipe 'course': lr must be positive, got -0.1"),
    (["--batch_size", "0"], "recipe 'course': batch_size must be at least 1, got 0"),
    (["--epochs", "three"], "argument --epochs: invalid int value: 'three'"),
    (["--device_target", "TPU"], "unknown device target 'TPU'"),
    (["--num_classes", "5"], "label 9 is out of range for --num_classes 5"),
    (["--eval_only"], "--eval_only needs --ckpt"),
    (["--eval_only", "--ckpt", "missing.ckpt"], "checkpoint 'missing.ckpt' does not exist"),
])
def test_bad_arguments(tmp_path, args, fragment):
    proc = run_main(*args, "--train_url", tmp_path / "out")
    assert_one_clear_error(proc, fragment)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("target", ["GPU", "Ascend"])
def test_absent_device(tmp_path, target):
    from lenet5 import device
    if device.is_available(target):
        pytest.skip(f"{target} is usable here")
    proc = run_main("--device_target", target, "--train_url", tmp_path / "out")
    assert_one_clear_error(proc, f"--device_target {target} was asked for", "usable here: CPU")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_bad_checkpoints(trained_run, tmp_path):
    out, _ = trained_run
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes((out / "lenet5.ckpt").read_bytes()[:500])
    proc = run_main("--eval_only", "--ckpt", broken, "--train_url", tmp_path / "o1")
    assert_one_clear_error(proc, "is not a readable MindSpore checkpoint")
    proc = run_main("--eval_only", "--ckpt", out / "lenet5.ckpt", "--num_classes", "36",
                    "--train_url", tmp_path / "o2")
    assert_one_clear_error(proc, "does not fit this network", "fc3.bias")
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_output_into_a_closed_pipe_is_no_traceback():
    """`python main.py --check | head -1`: the reader stops early; no BrokenPipeError traceback."""
    import subprocess
    import sys
    from helpers import ROOT
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "main.py"), "--check"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and "Traceback" not in stderr, stderr
