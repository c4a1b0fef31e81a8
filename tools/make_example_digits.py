"""Write examples/digits/<label>.png: one test digit per class, drawn dark on light paper.

Each is the most typical digit of its class in the shipped test split (MNIST/test): the one
nearest to the mean training image of the class, so that any decently trained network should
read all ten. It is inverted to dark ink on white, enlarged 4x and placed off-centre on a
160x160 sheet, so that `lenet5 predict` has to do what it does to a photo: invert, crop,
rescale and re-centre.

    python tools/make_example_digits.py [--data_url MNIST/] [--out examples/digits]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
from lenet5.data import load_arrays  # noqa: E402
from lenet5.atomic import atomic_path  # noqa: E402

SHEET, SCALE = 160, 4


def main(argv=None):
    from PIL import Image
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data_url", default="MNIST/")
    p.add_argument("--out", default="examples/digits")
    args = p.parse_args(argv)
    train_images, train_labels = load_arrays(args.data_url, split="train")
    images, labels = load_arrays(args.data_url, split="test")
    for label in range(10):
        mean = train_images[train_labels == label].mean(axis=0)
        candidates = np.flatnonzero(labels == label)
        distances = ((images[candidates] - mean) ** 2).sum(axis=(1, 2))
        index = int(candidates[np.argmin(distances)])
        drawn = Image.fromarray(255 - images[index]).resize((28 * SCALE, 28 * SCALE),
                                                            Image.Resampling.BICUBIC)
        sheet = Image.new("L", (SHEET, SHEET), 255)
        offset = (8 + 4 * label, 40 - 3 * label)  # a different place on the sheet for each
        sheet.paste(drawn, offset)
        path = os.path.join(args.out, f"{label}.png")
        with atomic_path(path) as tmp:
            sheet.save(tmp, format="PNG", optimize=True)
        print(f"{path}: test image #{index}")


if __name__ == "__main__":
    main()
