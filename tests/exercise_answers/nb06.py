"""Notebook 6 (inside the network): answers to its checked questions."""
import os

import numpy as np
from mindspore import nn
from mindspore.dataset import vision

import lenet5
from lenet5.analysis import collect, layer_outputs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "MNIST")


def trained_network():
    """Notebook 3's network: its checkpoint where it has run, else the course recipe trained here."""
    ckpt = os.path.join(ROOT, "notebooks", "outputs", "lenet5.ckpt")
    if os.path.exists(ckpt):
        return lenet5.open_checkpoint(ckpt)[0]
    lenet5.device.seed_everything(1)
    net = lenet5.LeNet5()
    course = lenet5.RECIPES["course"]
    lenet5.train(net, lenet5.create_dataset(DATA, batch_size=course.batch_size), course, display=None)
    return net


def similarity(a, b):
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def lenet(pool):
    """LeNet5 as a SequentialCell with two pooling layers pool() (exercise 3)."""
    return nn.SequentialCell([
        nn.Conv2d(1, 6, 5, pad_mode="valid", has_bias=True), nn.ReLU(), pool(),
        nn.Conv2d(6, 16, 5, pad_mode="valid", has_bias=True), nn.ReLU(), pool(),
        nn.Flatten(), nn.Dense(400, 120), nn.ReLU(), nn.Dense(120, 84), nn.ReLU(), nn.Dense(84, 10)])


_cache = {}


def right():
    if not _cache:
        net = trained_network()
        test_images, test_labels = lenet5.load_arrays(DATA, "test")
        digits = test_images[:200]

        def shift_similarity(network, layer, shift, axis=2):
            before = layer_outputs(network, lenet5.data.preprocess(digits))[layer]
            after = layer_outputs(network, lenet5.data.preprocess(np.roll(digits, shift, axis=axis)))[layer]
            return float(similarity(before, after).mean())

        def rotated(images, angle):
            rotate = vision.Rotate(angle)
            return np.stack([rotate(img[:, :, None])[:, :, 0] for img in images])

        def accuracy_on(images, labels):
            return float(np.mean(lenet5.predict(net, lenet5.data.preprocess(images)).argmax(axis=1) == labels))

        lenet5.device.seed_everything(1)
        untrained_weights = lenet5.LeNet5().conv1.weight.asnumpy()
        responses = np.maximum(layer_outputs(net, lenet5.data.preprocess(test_images))["conv2"], 0).mean(axis=(2, 3))
        preds = collect(net, lenet5.create_dataset(DATA, "test", batch_size=250))
        thresholds = np.linspace(0, 0.99, 100)
        _cache.update({
            "net": net, "test_images": test_images, "test_labels": test_labels, "preds": preds,
            "untrained_weights": untrained_weights, "std_before": float(untrained_weights.std()),
            "std_after": float(net.conv1.weight.asnumpy().std()),
            "responses": responses, "best": responses.argmax(axis=0),
            "avg_net": lenet(lambda: nn.AvgPool2d(2, 2)), "shift_similarity": shift_similarity,
            "sims": {"pool2": [shift_similarity(net, "pool2", s) for s in range(5)]},
            "rotated": rotated,
            "rotated_accuracy": {a: accuracy_on(rotated(test_images[:500], a), test_labels[:500]) for a in (0, 10, 20, 30)},
            "coverage": [float(np.mean(preds.confidence >= t)) for t in thresholds],
            "covered_accuracy": [float(np.mean((preds.predicted == preds.labels)[preds.confidence >= t])) for t in thresholds],
            "quiz6_1": "b", "quiz6_2": "c", "quiz6_3": "a", "quiz6_4": "d"})
        _cache["_helpers"] = {"accuracy_on": accuracy_on}
    return {k: v for k, v in _cache.items() if not k.startswith("_")}


def _wrong():
    r = right()
    net, test_images, test_labels, preds = r["net"], r["test_images"], r["test_labels"], r["preds"]
    accuracy_on = _cache["_helpers"]["accuracy_on"]
    lenet5.device.seed_everything(7)
    other_seed = lenet5.LeNet5().conv1.weight.asnumpy()
    trained = net.conv1.weight.asnumpy()
    raw = layer_outputs(net, lenet5.data.preprocess(test_images))["conv2"].mean(axis=(2, 3))
    shift_down = r["shift_similarity"]

    def rotated_scipy(images, angle):  # scipy.ndimage.rotate without reshape=False: 30x30 and larger
        from scipy import ndimage
        return np.stack([ndimage.rotate(img, angle) for img in images])

    def no_mean(network, layer, shift):
        return r["shift_similarity"](network, layer, shift) * np.ones(3)

    right_share = preds.predicted == preds.labels
    thresholds = np.linspace(0, 0.99, 100)
    return {
        "ex6_1": [({"untrained_weights": trained, "std_before": float(trained.std())}, "These are the trained weights"),
                  ({"std_before": r["std_after"], "std_after": r["std_before"]}, "std_before is that of the untrained"),
                  ({"untrained_weights": other_seed, "std_before": float(other_seed.std())}, "Seed first"),
                  ({"untrained_weights": r["untrained_weights"][:, 0]}, "shape (6, 1, 5, 5)")],
        "ex6_2": [({"responses": raw, "best": raw.argmax(axis=0)}, "Apply the ReLU"),
                  ({"best": r["responses"].argmax(axis=1)}, "argmax over the images"),
                  ({"best": r["responses"].argmin(axis=0)}, "Not yet: best[c]")],
        "ex6_3": [({"avg_net": lenet(lambda: nn.MaxPool2d(2, 2))}, "no nn.MaxPool2d"),
                  ({"avg_net": lenet(lambda: nn.AvgPool2d(2))}, "Give the pool its stride"),
                  ({"shift_similarity": lambda n, l, s: shift_down(n, l, s, axis=1)}, "Not yet: for the trained net"),
                  ({"shift_similarity": no_mean}, "must return one number")],
        "ex6_4": [({"rotated_accuracy": {a: 100 * v for a, v in r["rotated_accuracy"].items()}}, "not percentages"),
                  ({"rotated": rotated_scipy}, "reshape=False"),
                  ({"rotated_accuracy": {a: r["rotated_accuracy"][0] for a in (0, 10, 20, 30)}}, "really the rotated ones"),
                  ({"rotated_accuracy": {a: accuracy_on(r["rotated"](test_images, a), test_labels) for a in (0, 10, 20, 30)}}, "Not yet")],
        "ex6_5": [({"coverage": [float(np.sum(preds.confidence >= t)) for t in thresholds]}, "not its sum"),
                  ({"covered_accuracy": [float(np.mean(right_share))] * 100}, "answered images only"),
                  ({"coverage": r["coverage"][:99]}, "100 values each")],
        "quiz6_1": [({"quiz6_1": "a"}, "move with the digit"), ({"quiz6_1": "d"}, "Size alone")],
        "quiz6_2": [({"quiz6_2": "a"}, "conv2 has 16 filters")],
        "quiz6_3": [({"quiz6_3": "c"}, "where most mistakes are")],
        "quiz6_4": [({"quiz6_4": "c"}, "augment=True")],
    }


WRONG = _wrong()  # computed on import: it needs the trained network
