"""Notebook 1 (environment and data): answers to its checked questions."""
import os

import numpy as np

import lenet5

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "MNIST")


def _arrays():
    images, labels = lenet5.load_arrays(SAMPLE, "train")
    test_images, test_labels = lenet5.load_arrays(SAMPLE, "test")
    return images, labels, test_images, test_labels


def _views(rng):
    """Eight different normalised views, as the augmented pipeline gives them."""
    return [rng.normal(size=(1, 32, 32)).astype(np.float32) for _ in range(8)]


def right():
    images, labels, test_images, test_labels = _arrays()
    test_pixels = test_images.astype(np.float64) / 255
    n = len(labels)
    return {"images": images, "labels": labels, "test_images": test_images, "test_labels": test_labels,
            "d": 8, "hardest": images[labels == 8][:20],
            "test_mean": test_pixels.mean(), "test_std": test_pixels.std(), "normalise_with": "train",
            "batch_shape": (32, 1, 28, 28), "misfit_layer": "fc1",
            "views": _views(np.random.default_rng(0)), "changed": "abc",
            "batches_64": n // 64, "dropped_64": n % 64, "batches_3000": n // 3000, "dropped_3000": n % 3000,
            "quiz1_1": "d", "quiz1_2": "c", "quiz1_3": "b"}


_images, _labels, _test_images, _test_labels = _arrays()
_pixels = _images.astype(np.float64) / 255
_same = np.random.default_rng(1).normal(size=(1, 32, 32)).astype(np.float32)

WRONG = {
    "ex1_1": [({"hardest": _images[8][:20]}, "images[d] is one image"),            # index, not mask
              ({"hardest": _images[:20]}, "first 20 training images, of every digit"),
              ({"hardest": _test_images[_test_labels == 8][:20]}, "These are test images"),
              ({"hardest": _images[_labels == 8]}, "shape (20, 28, 28)"),
              ({"hardest": _images[_labels == 3][:20]}, "Not yet"),
              ({"d": 10}, "from 0 to 9")],
    "ex1_2": [({"test_mean": _test_images.mean(), "test_std": _test_images.std()}, "divide by 255"),  # un-normalised
              ({"test_mean": _pixels.mean(), "test_std": _pixels.std()}, "statistics of the training images"),
              ({"test_mean": 0.1307, "test_std": 0.3081}, "constants of the full training set"),
              ({"normalise_with": "test"}, "no test set to compute statistics on"),
              ({"normalise_with": "both"}, "'train' or 'test'"),
              ({"test_mean": "0.13"}, "Store two numbers")],
    "ex1_3": [({"batch_shape": (32, 1, 32, 32)}, "default 32x32"),
              ({"batch_shape": (32, 28, 28, 1)}, "channels come first"),
              ({"batch_shape": (1, 28, 28)}, "tuple of four numbers"),            # one image, no batch
              ({"batch_shape": (32, 1, 27, 27)}, "Not yet"),
              ({"misfit_layer": "conv1"}, "any size"),
              ({"misfit_layer": "fc2"}, "fewer than 400 values"),
              ({"misfit_layer": "dense"}, "'conv1', 'conv2', 'fc1'")],
    "ex1_4": [({"views": [_same] * 8}, "ONE iterator for all 8 epochs"),       # a new iterator each time
              ({"views": [np.full((1, 32, 32), k, np.uint8) for k in range(8)]}, "raw pixels"),
              ({"views": [_same[0]] * 8}, "each of shape (1, 32, 32)"),
              ({"changed": "abcd"}, "never change the label"),
              ({"changed": "abce"}, "never inverts them"),
              ({"changed": "a"}, "Not yet"),
              ({"changed": 3}, "as one string")],
    "ex1_5": [({"batches_3000": 3}, "drops the last incomplete batch"),
              ({"dropped_3000": 1000}, "not the places missing"),
              ({"batches_64": 126}, "Not yet"),
              ({"dropped_64": 0.0}, "four whole numbers")],
    "quiz1_1": [({"quiz1_1": "a"}, "any image size"), ({"quiz1_1": "c"}, "LeCun padded")],
    "quiz1_2": [({"quiz1_2": "a"}, "subtracts the mean"), ({"quiz1_2": "x"}, "one of the letters")],
    "quiz1_3": [({"quiz1_3": "d"}, "Rescale does that")],
}
