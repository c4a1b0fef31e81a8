"""The course pipeline's image operations, one by one (notebook 1 walks through them).
``preprocess`` against the dataset pipeline is tested in test_export.py."""
import numpy as np

from helpers import SAMPLE
from lenet5.data import MNIST_MEAN, MNIST_STD, image_transforms, load_arrays, preprocess


def test_image_transforms_are_the_course_ops_in_order():
    images, _ = load_arrays(SAMPLE, split="test")
    x = images[0][:, :, None]
    shapes = []
    for op in image_transforms():
        x = op(x)
        shapes.append((type(op).__name__, x.shape, str(x.dtype)))
    assert shapes == [("Resize", (32, 32, 1), "uint8"), ("Rescale", (32, 32, 1), "float32"),
                      ("HWC2CHW", (1, 32, 32), "float32")]
    assert np.isclose(x.min(), -MNIST_MEAN / MNIST_STD, atol=1e-5)  # background pixels


def test_preprocess_takes_one_image_or_a_batch():
    images, _ = load_arrays(SAMPLE, split="test")
    assert preprocess(images[0]).shape == (1, 1, 32, 32)
    assert np.array_equal(preprocess(images[0]), preprocess(images[:1]))
