import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "MNIST")
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5 import idx  # noqa: E402

NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def write_split(folder, split, n=64, gz=False, num_classes=10, seed=0):
    """Write a small synthetic split (random 28x28 images) in IDX form; return the paths."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % num_classes).astype(np.uint8)
    suffix = ".gz" if gz else ""
    paths = [os.path.join(folder, name + suffix) for name in NAMES[split]]
    idx.write(paths[0], images)
    idx.write(paths[1], labels)
    return paths


@pytest.fixture
def course_layout(tmp_path):
    """A tiny data folder in the course layout: train/ (64 images) and test/ (32 images)."""
    write_split(tmp_path / "train", "train", 64)
    write_split(tmp_path / "test", "test", 32)
    return tmp_path


def run_main(*args, cwd=ROOT, timeout=600):
    """Run main.py in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)
