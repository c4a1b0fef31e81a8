"""Runs the worked solutions of lesson 1's exercises and writes the numbers they quote.

    python tools/solutions_01.py [--json docs/results/solutions-01.json] [--only 2 5]

The code of each solution in course/solutions.md (section 1), with notebook 01's set-up (the
shipped sample, seed 1); ``tools/figures.py`` copies the numbers into the solutions. Solutions
1.1 and 1.4 measure nothing (1.1 quotes lesson 4's weakest digits from solutions_04.py).
About ten seconds, no training.
"""
import sys

import numpy as np

from solution_setup import DATA, lenet5, run


def solution_2(nb):
    test_images, _ = lenet5.load_arrays(DATA, "test")
    test_pixels = test_images.astype(np.float64) / 255
    return {"mean": test_pixels.mean(), "std": test_pixels.std()}


def solution_3(nb):
    ds = lenet5.create_dataset(DATA, resize=(28, 28))
    shape = next(ds.create_tuple_iterator(output_numpy=True))[0].shape
    return {"batch_shape": str(shape)}


def solution_5(nb):
    images = lenet5.locate_split(DATA, "train").count
    sizes = {}
    for b in (64, 3000):
        ds = lenet5.create_dataset(DATA, batch_size=b)
        sizes[str(b)] = {"batches": ds.get_dataset_size(),
                         "dropped": images - ds.get_dataset_size() * b}
    return {"train_images": images, "batch": sizes,
            "dropped_share_3000": sizes["3000"]["dropped"] / images}


if __name__ == "__main__":
    sys.exit(run(1, {2: solution_2, 3: solution_3, 5: solution_5}))
