"""Data-parallel training with msrun: two CPU workers, one epoch on the shipped sample."""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys

import pytest

import lenet5
from helpers import ROOT, SAMPLE, run_main
from lenet5 import device

BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_digests(**shard):
    """Digests of the training images a worker sees in its first epoch, built as main.py does."""
    lenet5.setup_device("CPU", seed=1)  # main.py's default seed, the same on every worker
    dataset = lenet5.create_dataset(SAMPLE, split="train", batch_size=50, **shard)
    return [hashlib.sha1(image.tobytes()).hexdigest()
            for images, _ in dataset.create_tuple_iterator(output_numpy=True) for image in images]


def test_workers_get_disjoint_shards_that_cover_the_data():
    shards = [image_digests(num_shards=2, shard_id=rank) for rank in (0, 1)]
    assert len(shards[0]) == len(shards[1]) == 4000
    assert not set(shards[0]) & set(shards[1])
    assert set(shards[0]) | set(shards[1]) == set(image_digests())  # all 8,000, once


def test_distribute_without_a_launcher_says_how(tmp_path):
    proc = run_main("--distribute", "--train_url", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --distribute needs one process per "
                                                    "worker"), proc.stderr
    assert "msrun --worker_num=2" in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_two_cpu_workers_with_msrun(tmp_path):
    msrun = shutil.which("msrun", path=BIN)
    assert msrun, "msrun comes with MindSpore"
    out, logs = tmp_path / "out", tmp_path / "logs"
    # msrun starts its workers with the bare `python` on PATH: make it this interpreter.
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    bind = ["--bind_core=True"] if device.usable_cores() >= 2 else []  # a core per worker
    proc = subprocess.run(
        [msrun, "--worker_num=2", "--local_worker_num=2", f"--master_port={free_port()}",
         f"--log_dir={logs}", "--join=True", *bind, "main.py", "--distribute", "--epochs", "1",
         "--train_url", out, "--progress", "log"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    worker_logs = [(logs / f"worker_{rank}.log").read_text() for rank in (0, 1)]
    assert proc.returncode == 0, proc.stdout[-3000:] + "\n".join(w[-2000:] for w in worker_logs)
    checksums = []
    for rank, log in enumerate(worker_logs):
        # each worker trained on its own half: 125 steps of 32 of the 8,000 images
        assert f"worker {rank}/2: shard {rank} of the training set, 1 epochs x 125 steps" in log
        checksums.append(re.search(rf"worker {rank}/2: weights checksum (\w+)", log).group(1))
    assert checksums[0] == checksums[1]  # gradients were averaged: identical replicas
    assert "test accuracy" in worker_logs[0] and "test accuracy" not in worker_logs[1]
    assert sorted(os.listdir(out)) == ["lenet5.ckpt", "metrics.json"]  # written once, by worker 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["workers"] == 2 and metrics["num_train"] == 8000
    # One process, same recipe, same epoch: the bar of test_main's end-to-end run is 0.85.
    single = run_main("--epochs", 1, "--train_url", tmp_path / "single", "--progress", "none")
    assert single.returncode == 0, single.stderr
    alone = json.loads((tmp_path / "single" / "metrics.json").read_text())["accuracy"]
    assert metrics["accuracy"] > 0.85 and abs(metrics["accuracy"] - alone) < 0.03
