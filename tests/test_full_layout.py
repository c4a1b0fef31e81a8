"""Every notebook runs on a data folder other than the shipped sample: the full MNIST's layout
(the four official .gz files in one folder) with other sizes, given by LENET5_DATA as
course/how_to_run.md says. No notebook may depend on the sample's 8,000 / 2,000 images.

The folder is made of the sample's own digits (plus copies shifted by one pixel), so that the
notebooks' accuracy asserts still hold: 12,000 training and 3,000 test images."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, SAMPLE
from lenet5.data import idx, load_arrays

NOTEBOOKS = sorted(f for f in os.listdir(os.path.join(ROOT, "notebooks")) if f.endswith(".ipynb"))


def full_layout(folder):
    """The four official file names, gzip-compressed, in one flat folder."""
    for split, prefix, extra in (("train", "train", 4000), ("test", "t10k", 1000)):
        images, labels = load_arrays(SAMPLE, split)
        shifted = np.roll(images[:extra], 1, axis=2)  # one pixel to the right
        idx.write(folder / f"{prefix}-images-idx3-ubyte.gz", np.concatenate([images, shifted]))
        idx.write(folder / f"{prefix}-labels-idx1-ubyte.gz",
                  np.concatenate([labels, labels[:extra]]))
    return folder


@pytest.mark.slow
def test_the_notebooks_run_on_another_data_folder(tmp_path):
    data = full_layout(tmp_path / "mnist")
    work = tmp_path / "course"
    (work / "notebooks").mkdir(parents=True)
    for name in NOTEBOOKS:  # a copy: their outputs/ and stored outputs stay untouched
        shutil.copy(os.path.join(ROOT, "notebooks", name), work / "notebooks" / name)
    for folder in ("examples", "MNIST", "src"):  # what the notebooks reach with ../
        os.symlink(os.path.join(ROOT, folder), work / folder)
    env = {**os.environ, "LENET5_DATA": str(data)}
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "run_notebooks.py"),
                           "--check", "--no-record",
                           *(str(work / "notebooks" / n) for n in NOTEBOOKS)],
                          env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-4000:]
