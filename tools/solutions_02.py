"""Runs the worked solutions of lesson 2's exercises and writes the numbers they quote.

    python tools/solutions_02.py [--json docs/results/solutions-02.json] [--only 1 4]

The code of each solution in course/solutions.md (section 2), with notebook 02's set-up (seed
1, the untrained LeNet5 ``net`` it builds first); ``tools/figures.py`` copies the numbers into
the solutions. Solution 2.2 builds the padded network the text describes. About ten
seconds, no training.
"""
import sys

import mindspore as ms
import numpy as np
from mindspore import nn

from solution_setup import lenet5, run
from lenet5.analysis import layer_table
from lenet5.analysis.baselines import baseline


def lenet(conv1=6, has_bias=True, pad_mode="valid"):
    """LeNet5 as an ``nn.SequentialCell`` (exercise 2.1), ``conv1`` filters in its first layer."""
    return nn.SequentialCell([
        nn.Conv2d(1, conv1, 5, pad_mode=pad_mode, has_bias=has_bias), nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(conv1, 16, 5, pad_mode="valid", has_bias=has_bias), nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Dense(400, 120), nn.ReLU(), nn.Dense(120, 84), nn.ReLU(),
        nn.Dense(84, 10)])


def convolutions(rows):
    """The parameters of the two Conv2d layers of a layer table, in order."""
    return [r.parameters for r in rows if r.kind == "Conv2d"]


def solution_1(nb):
    rows = layer_table(lenet5.LeNet5())
    wide = layer_table(lenet(conv1=12))
    no_bias = layer_table(lenet(conv1=12, has_bias=False))
    return {"lenet5": {"conv1": convolutions(rows)[0], "conv2": convolutions(rows)[1],
                       "total": sum(r.parameters for r in rows)},
            "wide": {"conv1": convolutions(wide)[0], "conv2": convolutions(wide)[1],
                     "total": sum(r.parameters for r in wide)},
            "wide_without_bias": sum(r.parameters for r in no_bias),
            "conv_biases": sum(r.parameters for r in wide) - sum(r.parameters for r in no_bias)}


def solution_2(nb):
    same = layer_table(lenet(pad_mode="same"), input_shape=(1, 1, 28, 28))
    classic = layer_table(lenet5.LeNet5())
    shapes = [r.output_shape for r in same if r.kind in ("Conv2d", "MaxPool2d", "Flatten")]
    return {"shapes": [str(s[1:]) for s in shapes],
            "same_shapes_as_32x32": shapes == [r.output_shape for r in classic
                                               if r.kind in ("Conv2d", "MaxPool2d", "Flatten")],
            "parameters": sum(r.parameters for r in same)}


def solution_3(nb):
    macs = sum(r.macs for r in layer_table(lenet5.LeNet5()))
    return {"macs": macs, "images_per_second_at_1_gmac": round(1e9 / macs, -2)}


def solution_4(nb):
    lenet5.device.seed_everything(1)  # notebook 02's net: the first network of seed 1
    net = lenet5.LeNet5()
    a = np.random.default_rng(0).normal(size=(1, 1, 32, 32)).astype(np.float32)
    b = np.random.default_rng(1).normal(size=(1, 1, 32, 32)).astype(np.float32)
    out = lambda x: net(ms.Tensor(x)).asnumpy()  # noqa: E731 (as in the solution)
    difference = np.abs(out(a + b) - (out(a) + out(b) - out(np.zeros_like(a)))).max()
    return {"difference": float(difference),
            "largest_output": float(max(np.abs(out(x)).max() for x in (a, b, a + b)))}


def solution_5(nb):
    mlp = baseline("mlp-mxnet")
    parameters = lenet5.count_parameters(mlp)
    return {"parameters": parameters,
            "layers": [r.parameters for r in layer_table(mlp, (1, 1, 28, 28)) if r.kind == "Dense"],
            "times_lenet5": parameters / lenet5.count_parameters(lenet5.LeNet5())}


if __name__ == "__main__":
    sys.exit(run(2, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4,
                     5: solution_5}))
