"""Runs the worked solutions of lesson 4's exercises and writes the numbers they quote.

    python tools/solutions_04.py [--json docs/results/solutions-04.json] [--only 1 3]

The code of each solution in course/solutions.md (section 4), with notebook 04's set-up: the
checkpoint of notebook 03 (the course recipe from seed 1, trained here the same way, with its
per-epoch checkpoints), the test split in batches of 250 and ``preds`` collected from it;
``tools/figures.py`` copies the numbers into the solutions. About half a minute on a 2-core
CPU (one training of the course recipe).
"""
import os
import sys
from types import SimpleNamespace

import numpy as np
from PIL import Image

from solution_setup import DATA, ROOT, course_network, lenet5, listing, run
from lenet5.analysis import collect


def notebook(folder):
    net, info, ckpt = course_network(folder)
    test_set = lenet5.create_dataset(DATA, "test", batch_size=250)
    return SimpleNamespace(net=net, folder=folder, test_set=test_set,
                           preds=collect(net, test_set))


def solution_1(nb):
    matrix = nb.preds.confusion_matrix()
    recall = matrix.diagonal() / matrix.sum(axis=1)      # of the true d's, how many were found
    precision = matrix.diagonal() / matrix.sum(axis=0)   # of the "d" answers, how many were right
    def digit(d):
        return {"digit": int(d), "recall": float(recall[d]), "precision": float(precision[d]),
                "recall_rank": int(np.sum(recall > recall[d])) + 1,  # 1: the highest recall
                "precision_rank": int(np.sum(precision < precision[d])) + 1}  # 1: the lowest

    return {"recall": recall.tolist(), "precision": precision.tolist(),
            "lowest_recall": digit(recall.argmin()), "highest_recall": digit(recall.argmax()),
            "lowest_precision": digit(precision.argmin()), "ones": digit(1),
            "weakest3": listing(np.argsort(recall, kind="stable")[:3])}  # quoted by solution 1.1


def solution_2(nb):
    first = lenet5.load_checkpoint(os.path.join(nb.folder, "ckpt", "lenet5-1_250.ckpt"),
                                   lenet5.LeNet5())
    accuracy = lenet5.evaluate(first, nb.test_set)["accuracy"]
    images = len(nb.preds.labels)
    mistakes, final = round((1 - accuracy) * images), len(nb.preds.mistakes())
    return {"epoch1_accuracy": accuracy, "epoch1_mistakes": mistakes, "final_mistakes": final,
            "removed_share": 1 - final / mistakes}


def solution_3(nb):
    preds = nb.preds
    order = np.argsort(preds.probabilities, axis=1)[:, ::-1]
    wrong = preds.mistakes()
    second = np.mean(order[wrong, 1] == preds.labels[wrong])
    return {"second_share": float(second),
            "second_count": int(np.sum(order[wrong, 1] == preds.labels[wrong])),
            "mistakes": len(wrong)}


def solution_4(nb):
    from lenet5.deploy import mnist_digit, read_grey
    paths = [os.path.join(ROOT, "examples", "digits", f"{d}.png") for d in range(10)]
    prepared = np.stack([mnist_digit(read_grey(p)) for p in paths])
    resized = np.stack([np.asarray(Image.open(p).convert("L").resize((28, 28))) for p in paths])
    ways = {}
    for name, digits in (("prepared", prepared), ("resized", resized),
                         ("inverted", 255 - resized)):
        p = lenet5.predict(nb.net, lenet5.data.preprocess(digits))
        ways[name] = {"right": int((p.argmax(1) == np.arange(10)).sum()),
                      "confidence": float(p.max(1).mean())}
    return ways


def solution_5(nb):
    blank = np.zeros((28, 28), np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    answers = {}
    for name, image in (("blank", blank), ("noise", noise)):
        p = lenet5.predict(nb.net, lenet5.data.preprocess(image))[0]
        answers[name] = {"digit": int(p.argmax()), "probability": float(p.max())}
    return answers


if __name__ == "__main__":
    sys.exit(run(4, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4,
                     5: solution_5}, notebook))
