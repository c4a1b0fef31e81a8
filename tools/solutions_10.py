"""Runs the worked solutions of lesson 10's exercises and writes the numbers they quote.

    python tools/solutions_10.py [--json docs/results/solutions-10.json] [--only 1 4]

The code of each solution in course/solutions.md (section 10), with notebook 10's set-up: LeNet5
lenet1998 trained with the lenet1998 recipe from seed 1 as ``net`` (its ``recipe``, ``info`` and
``data``, padded with background -0.1), the RBF ``codes`` and the test split as
``test_images``/``test_labels``; ``tools/figures.py`` copies the numbers into the solutions.
About a minute on a 2-core CPU (five trainings of 3 epochs: the notebook's, two with a Dense
output, one on resized digits, one with plain tanh).
"""
import sys
from types import SimpleNamespace

import mindspore as ms
import numpy as np

from solution_setup import DATA, lenet5, run
from lenet5 import lenet1998


def notebook(folder):
    """Notebook 10's section 9: the network trained as main.py --variant lenet1998 does."""
    recipe = lenet5.RECIPES["lenet1998"]
    lenet5.device.seed_everything(1)
    net = lenet5.LeNet5(variant="lenet1998")
    info = lenet5.CheckpointInfo.describe(net, recipe=recipe)
    data = lenet5.open_data("mnist", DATA).as_read_by(info)
    lenet5.train(net, data.create_dataset("train", recipe.batch_size), recipe, display=False)
    test_images, test_labels = lenet5.load_arrays(DATA, "test")
    return SimpleNamespace(net=net, recipe=recipe, info=info, data=data,
                           codes=lenet1998.codes(10), test_images=test_images,
                           test_labels=test_labels)


def trained_accuracy(nb, change=lambda net: None, recipe=None, fit=None):
    """Solutions 10.2-10.4: a fresh lenet1998 from seed 1, changed, trained and tested as in
    section 9 (``fit``: the digits resized or padded, for training and test). Returns
    (net, test accuracy)."""
    recipe = recipe or nb.recipe
    options = {"fit": fit} if fit else {}
    lenet5.device.seed_everything(1)
    net = lenet5.LeNet5(variant="lenet1998")
    change(net)
    lenet5.train(net, nb.data.create_dataset("train", recipe.batch_size, **options), recipe,
                 display=False)
    scores = lenet5.evaluate(net, nb.data.create_dataset("test", recipe.batch_size, **options))
    return net, scores["accuracy"]


def solution_1(nb):
    full = lenet1998.PartialConv2d([range(6)] * 16)
    c3_full, c3_table = lenet5.count_parameters(full), lenet5.count_parameters(nb.net.c3)
    positions = 10 * 10  # every C3 parameter is used once at each of C3's 10x10 positions
    total = lenet1998.PAPER_TOTAL
    saved = c3_full - c3_table
    return {"c3_full_parameters": c3_full, "c3_table_parameters": c3_table,
            "c3_full_connections": c3_full * positions,
            "c3_table_connections": c3_table * positions,
            "saved_parameters": saved, "saved_connections": saved * positions,
            "saved_share_of_c3_parameters": saved / c3_full,
            "saved_share_of_network_parameters": saved / (total["parameters"] + saved),
            "saved_share_of_network_connections": saved * positions / (
                total["connections"] + saved * positions)}


def dense_output(net):
    net.rbf = ms.nn.Dense(84, 10)


def solution_2(nb):
    _, at_recipe = trained_accuracy(nb, dense_output)
    _, at_lr = trained_accuracy(nb, dense_output, nb.recipe.with_overrides(lr=0.01))
    _, rbf = trained_accuracy(nb)
    return {"dense_accuracy": at_recipe, "dense_lr001_accuracy": at_lr, "rbf_accuracy": rbf}


def solution_3(nb):
    _, resized = trained_accuracy(nb, fit="resize")
    _, padded = trained_accuracy(nb, fit="pad")
    return {"resized_accuracy": resized, "padded_accuracy": padded}


def f6_outputs(net, x):
    """F6's output (N, 84), as notebook 10's section 10 computes it."""
    c5 = net.flatten(net.squash(net.c5(net.subsampled(ms.Tensor(x)))))
    return net.squash(net.f6(c5)).asnumpy()


def plain_tanh(net):
    net.squash, net.s2.squash, net.s4.squash = ms.nn.Tanh(), ms.nn.Tanh(), ms.nn.Tanh()


def solution_4(nb):
    tanh_net, tanh_accuracy = trained_accuracy(nb, plain_tanh)
    x = lenet5.data.preprocess(nb.test_images, **nb.info.input_options())
    results = {"tanh_accuracy": tanh_accuracy,
               "scaled_accuracy": lenet5.evaluate(nb.net, nb.data.create_dataset("test"))[
                   "accuracy"]}
    for name, net in (("scaled", nb.net), ("tanh", tanh_net)):
        f6 = f6_outputs(net, x)
        own = ((f6 - nb.codes[nb.test_labels]) ** 2).sum(axis=1)
        results[f"{name}_smallest_distance"] = float(own.min())
        results[f"{name}_median_distance"] = float(np.median(own))
        results[f"{name}_largest_f6"] = float(np.abs(f6).max())
    return results


if __name__ == "__main__":
    sys.exit(run(10, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4}, notebook))
