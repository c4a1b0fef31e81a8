import numpy as np
import pytest

import lenet5
from helpers import SAMPLE
from lenet5 import LeNet5, create_dataset
from lenet5.analysis.predictions import Predictions, collect, confusion_matrix


def test_confusion_matrix_counts():
    m = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], num_classes=3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert m.sum() == 6 and np.trace(m) == 4


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="differ in shape"):
        confusion_matrix([0, 1], [0], num_classes=3)


def make_predictions():
    probs = np.array([[0.9, 0.05, 0.05],   # right, sure
                      [0.2, 0.7, 0.1],     # wrong (true 0), fairly sure
                      [0.4, 0.45, 0.15],   # right, torn between 0 and 1
                      [0.1, 0.1, 0.8]])    # wrong (true 1), sure
    return Predictions(np.zeros((4, 1, 32, 32), np.float32), np.array([0, 0, 1, 1]), probs)


def test_predictions_views():
    p = make_predictions()
    assert p.predicted.tolist() == [0, 1, 1, 2]
    assert p.accuracy == 0.5
    assert p.mistakes().tolist() == [3, 1]
    assert p.least_confident(2).tolist() == [2, 1]
    assert np.allclose(p.margin(), [0.85, 0.5, 0.05, 0.7])
    assert p.confusion_matrix().tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 0]]


def test_collect_covers_the_whole_split():
    lenet5.setup_device("CPU", seed=0)
    p = collect(LeNet5(), create_dataset(SAMPLE, "test", batch_size=500, num_samples=1000))
    assert p.images.shape == (1000, 1, 32, 32) and p.labels.shape == (1000,)
    assert p.probabilities.shape == (1000, 10)
    assert np.allclose(p.probabilities.sum(axis=1), 1, atol=1e-5)
    assert p.confusion_matrix().sum() == 1000
