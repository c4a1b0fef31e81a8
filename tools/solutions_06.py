"""Runs the worked solutions of lesson 6's exercises and writes the numbers they quote.

    python tools/solutions_06.py [--json docs/results/solutions-06.json] [--only 1 4]

The code of each solution in course/solutions.md (section 6), with notebook 06's set-up: the
checkpoint of notebook 03 (the course recipe from seed 1, trained here the same way) and the
test split; ``tools/figures.py`` copies the numbers into the solutions (and lesson 6 quotes
solution 6.4's). Solution 6.5 quotes notebook 06's stored output instead. About half a minute on
a 2-core CPU (three trainings of the course recipe's 3 epochs).
"""
import sys
from types import SimpleNamespace

import numpy as np
from mindspore import nn

from solution_setup import DATA, course_network, lenet5, listing, run
from lenet5.analysis import layer_outputs, run_trial

course = lenet5.RECIPES["course"]
SHIFTS = (1, 2, 3)


def notebook(folder):
    net, _, _ = course_network(folder)
    test_images, test_labels = lenet5.load_arrays(DATA, "test")
    return SimpleNamespace(net=net, test_images=test_images, test_labels=test_labels)


def roughness(weights):
    """How speckled 5x5 filters are: the mean absolute difference between horizontally or
    vertically neighbouring weights, relative to the weights' standard deviation."""
    steps = np.concatenate([np.abs(np.diff(weights, axis=-1)).ravel(),
                            np.abs(np.diff(weights, axis=-2)).ravel()])
    return float(steps.mean() / weights.std())


def solution_1(nb):
    lenet5.device.seed_everything(1)
    untrained = lenet5.LeNet5()
    before, after = untrained.conv1.weight.asnumpy()[:, 0], nb.net.conv1.weight.asnumpy()[:, 0]
    return {"std": {"untrained": float(before.std()), "trained": float(after.std())},
            "roughness": {"untrained": roughness(before), "trained": roughness(after)},
            "train_images": lenet5.locate_split(DATA, "train").count}


def solution_2(nb):
    batch = lenet5.data.preprocess(nb.test_images)
    responses = np.maximum(layer_outputs(nb.net, batch)["conv2"], 0).mean(axis=(2, 3))
    best = responses.argmax(axis=0)
    won = np.bincount(nb.test_labels[best], minlength=10)  # channels won by each digit
    most = np.flatnonzero(won == won.max()).tolist()
    return {"winners": nb.test_labels[best].tolist(), "channels_per_digit": won.tolist(),
            "most_channels": int(won.max()), "digits_with_most": listing(most),
            "digits_appearing": int(np.count_nonzero(won))}


def lenet(pool):
    """LeNet5 as the ``nn.SequentialCell`` of exercise 2.1 (MindSpore's default initialisation)
    with ``pool`` layers: its second pooling layer is the cell named "5"."""
    return nn.SequentialCell([
        nn.Conv2d(1, 6, 5, pad_mode="valid", has_bias=True), nn.ReLU(), pool(2, 2),
        nn.Conv2d(6, 16, 5, pad_mode="valid", has_bias=True), nn.ReLU(), pool(2, 2),
        nn.Flatten(), nn.Dense(400, 120), nn.ReLU(), nn.Dense(120, 84), nn.ReLU(),
        nn.Dense(84, 10)])


def similarity(a, b):
    """Cosine similarity of each pair of rows: 1 = the same pattern (notebook 06)."""
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def solution_3(nb):
    digits = nb.test_images[:200]  # notebook 06's shift measurement
    results = {}
    for name, pool in (("max", nn.MaxPool2d), ("average", nn.AvgPool2d)):
        trial = run_trial(f"{name} pooling", DATA, course, make_net=lambda: lenet(pool),
                          quiet=True)
        pool2 = {s: layer_outputs(trial.net, lenet5.data.preprocess(np.roll(digits, s, axis=2)))
                 ["5"] for s in (0, *SHIFTS)}  # "5": the second pooling layer
        results[name] = {"accuracy": trial.accuracy,
                         "similarity": [float(similarity(pool2[0], pool2[s]).mean())
                                        for s in SHIFTS]}
    return results


def accuracy(net, images, labels):
    p = lenet5.predict(net, lenet5.data.preprocess(images))
    return float(np.mean(p.argmax(1) == labels))


def solution_4(nb):
    from mindspore.dataset import vision
    rotated = {}
    for angle in (0, 10, 20, 30):
        rotate = vision.Rotate(angle)
        turned = np.stack([rotate(img[:, :, None])[:, :, 0] for img in nb.test_images])
        rotated[str(angle)] = accuracy(nb.net, turned, nb.test_labels)
    shifted = {str(s): accuracy(nb.net, np.roll(nb.test_images, s, axis=2), nb.test_labels)
               for s in SHIFTS}
    return {"rotated": rotated, "shifted": shifted}


if __name__ == "__main__":
    sys.exit(run(6, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4}, notebook))
