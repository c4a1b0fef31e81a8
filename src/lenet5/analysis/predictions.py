"""A network's answers on a whole dataset, and what to learn from them: accuracy, the
confusion matrix, the mistakes, the digits it is least sure about."""
from dataclasses import dataclass

import numpy as np

from ..inference import dataset_arrays
from ..train import predict


def confusion_matrix(labels, predicted, num_classes=10):
    """``m[t, p]``: how many images of true class ``t`` were predicted as class ``p``."""
    labels, predicted = np.asarray(labels, np.int64), np.asarray(predicted, np.int64)
    if labels.shape != predicted.shape:
        raise ValueError(f"labels {labels.shape} and predictions {predicted.shape} differ in shape")
    top = max(labels.max(initial=-1), predicted.max(initial=-1))
    if top >= num_classes or min(labels.min(initial=0), predicted.min(initial=0)) < 0:
        raise ValueError(f"class {top} is outside 0..{num_classes - 1}")
    return np.bincount(labels * num_classes + predicted,
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


@dataclass
class Predictions:
    images: np.ndarray  # the network's inputs, (N, C, H, W)
    labels: np.ndarray  # (N,)
    probabilities: np.ndarray  # softmax outputs, (N, num_classes)

    @property
    def predicted(self):
        return self.probabilities.argmax(axis=1)

    @property
    def confidence(self):
        """The probability of the predicted class."""
        return self.probabilities.max(axis=1)

    @property
    def accuracy(self):
        return float(np.mean(self.predicted == self.labels))

    def confusion_matrix(self):
        return confusion_matrix(self.labels, self.predicted, self.probabilities.shape[1])

    def mistakes(self):
        """Indices of the wrong predictions, the most confident first."""
        wrong = np.flatnonzero(self.predicted != self.labels)
        return wrong[np.argsort(-self.confidence[wrong], kind="stable")]

    def margin(self):
        """Top probability minus the runner-up: near 0 means torn between two classes."""
        top2 = np.sort(self.probabilities, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0]

    def least_confident(self, n=10):
        """Indices of the ``n`` images with the smallest margin, the most torn first."""
        return np.argsort(self.margin(), kind="stable")[:n]


def collect(net, dataset):
    """Run ``net`` over every image of ``dataset``; return a :class:`Predictions`."""
    images, labels = dataset_arrays(dataset)
    return Predictions(images, labels.astype(np.int64), predict(net, images))
