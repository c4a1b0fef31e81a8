import numpy as np

from conftest import SAMPLE
from lenet5.data import create_dataset, image_transforms, load_arrays, preprocess


def test_image_transforms_are_the_course_ops():
    assert [type(op).__name__ for op in image_transforms()] == ["Resize", "Rescale", "HWC2CHW"]


def test_preprocess_matches_the_dataset_pipeline():
    images, labels = load_arrays(SAMPLE, training=False)
    batch, batch_labels = next(create_dataset(SAMPLE, False, batch_size=16).create_tuple_iterator(
        output_numpy=True))
    assert (batch_labels == labels[:16]).all()  # evaluation keeps the file order
    x = preprocess(images[:16])
    assert x.shape == (16, 1, 32, 32) and x.dtype == np.float32
    assert np.allclose(x, batch, atol=1e-6)
    assert preprocess(images[0]).shape == (1, 1, 32, 32)
    assert preprocess(images[:2], resize=(28, 28)).shape == (2, 1, 28, 28)
