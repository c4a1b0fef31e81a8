"""Notebook 4 (evaluation and inference): answers to its checked questions, on made-up
predictions and a made-up network (the checks compare answers with the notebook's variables)."""
import mindspore as ms
import numpy as np

import lenet5
from lenet5.analysis.predictions import Predictions


def _matrix():
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 6, (10, 10))
    np.fill_diagonal(matrix, rng.integers(170, 200, 10))
    matrix[9, 4] += 14  # 9s read as 4: the 9s' recall and the 4s' precision fall
    return matrix


def _preds():
    """200 made-up predictions, 12 of them wrong: 8 with the true digit second, 4 with it third."""
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet(np.full(10, 0.3), 200)
    order = np.argsort(probabilities, axis=1)[:, ::-1]
    labels = order[:, 0].copy()
    labels[:8], labels[8:12] = order[:8, 1], order[8:12, 2]
    return Predictions(np.zeros((200, 1, 32, 32), np.float32), labels, probabilities)


class FakeNet:
    """Reads the mean of a normalised image as a digit: -0.42 (black) is 0, every 1/3 more one
    digit more; so a uniform grey image of the right level is read as any digit we like."""

    def __call__(self, x):
        level = (x.asnumpy().mean(axis=(1, 2, 3)) + 0.45) * 3
        return ms.Tensor(-2 * np.abs(np.arange(10) - level[:, None]).astype(np.float32))


def _grey(digits):
    """Uniform 28x28 images that FakeNet reads as ``digits``."""
    levels = [np.clip(round(((d / 3 - 0.45) * lenet5.data.MNIST_STD + lenet5.data.MNIST_MEAN) * 255), 0, 255)
              for d in digits]
    return np.stack([np.full((28, 28), v, np.uint8) for v in levels])


def _read(net, images):
    return int((lenet5.predict(net, lenet5.data.preprocess(images)).argmax(axis=1) == np.arange(10)).sum())


def right():
    net = FakeNet()
    drawings = _grey(range(10))   # read right: all ten
    resized = 255 - drawings      # as the files are, dark on light: inverted, they are read right
    matrix = _matrix()
    recall, precision = matrix.diagonal() / matrix.sum(axis=1), matrix.diagonal() / matrix.sum(axis=0)
    preds = _preds()
    first_scores = {"accuracy": 0.9, "loss": 0.3}
    epoch1 = round((1 - first_scores["accuracy"]) * len(preds.labels))
    noise = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    return {"matrix": matrix, "recall": recall, "precision": precision,
            "lowest_recall_digit": int(recall.argmin()), "lowest_precision_digit": int(precision.argmin()),
            "preds": preds, "scores": {"accuracy": 0.94, "loss": 0.2}, "first_scores": first_scores,
            "epoch1_mistakes": epoch1, "fewer_mistakes": epoch1 - len(preds.mistakes()),
            "second_count": 8,
            "net": net, "drawings": drawings, "resized": resized,
            "right_prepared": _read(net, drawings), "right_resized": _read(net, resized),
            "right_inverted": _read(net, 255 - resized), "why_few": "b",
            "blank_probs": lenet5.predict(net, lenet5.data.preprocess(np.zeros((28, 28), np.uint8)))[0],
            "noise_probs": lenet5.predict(net, lenet5.data.preprocess(noise))[0],
            "quiz4_1": "b", "quiz4_2": "d", "quiz4_3": "c"}


_m = _matrix()
_p = _preds()
_wrong = _p.mistakes()
_net = FakeNet()
_resized = 255 - _grey(range(10))

WRONG = {
    "ex4_1": [({"recall": _m.diagonal() / _m.sum(axis=0), "precision": _m.diagonal() / _m.sum(axis=1)}, "Swapped"),
              ({"recall": 100 * _m.diagonal() / _m.sum(axis=1)}, "not percentages"),
              ({"lowest_recall_digit": int((_m.diagonal() / _m.sum(axis=1)).argmax())}, "smallest of the ten"),
              ({"lowest_recall_digit": float((_m.diagonal() / _m.sum(axis=1)).min())}, "not the recall or precision values"),
              ({"recall": _m.diagonal() / _m.sum(axis=1)[:9].sum()}, "Not yet")],
    "ex4_2": [({"first_scores": {"accuracy": 0.94, "loss": 0.2}}, "final network's accuracy"),   # evaluated net
              ({"epoch1_mistakes": (1 - 0.9) * 200}, "round(x) makes it an int"),                   # a float
              ({"epoch1_mistakes": np.round((1 - 0.9) * 200)}, "np.round(x) keeps a float"),
              ({"epoch1_mistakes": 180}, "from its accuracy and the number of test images"),      # the right ones
              ({"fewer_mistakes": len(_wrong) - 20}, "The wrong way round"),
              ({"fewer_mistakes": 20}, "preds.mistakes()"),
              ({"first_scores": 0.9}, "a dict with 'accuracy'")],
    "ex4_3": [({"second_count": int(np.sum(np.argsort(_p.probabilities, axis=1)[_wrong, 1] == _p.labels[_wrong]))},
               "np.argsort sorts from the smallest"),
              ({"second_count": 8 / 12}, "not their share"),
              ({"second_count": 12}, "Not yet")],
    "ex4_4": [({"right_inverted": _read(_net, _resized)}, "invert the resized images first"),
              ({"right_prepared": 11}, "from 0 to 10"),
              ({"why_few": "a"}, "What else does it change"),
              ({"why_few": "d"}, "lossless PNG files of MNIST-like digits"),
              ({"why_few": "bc"}, "one of the letters")],
    "ex4_5": [({"blank_probs": np.zeros(10)}, "logits"),
              ({"blank_probs": lenet5.predict(_net, np.zeros((1, 1, 32, 32), np.float32))[0]}, "a black pixel is about -0.42"),
              ({"noise_probs": lenet5.predict(_net, lenet5.data.preprocess(np.zeros((28, 28), np.uint8)))[0]}, "noise_probs equals blank_probs"),
              ({"blank_probs": lenet5.predict(_net, lenet5.data.preprocess(np.zeros((1, 28, 28), np.uint8)))}, "take row [0]")],
    "quiz4_1": [({"quiz4_1": "a"}, "low recall"), ({"quiz4_1": "d"}, "not how sure")],
    "quiz4_2": [({"quiz4_2": "a"}, "cannot say 'none of these'")],
    "quiz4_3": [({"quiz4_3": "a"}, "accepts any float32 batch")],
}
