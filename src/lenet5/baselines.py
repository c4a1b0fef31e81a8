"""Multilayer perceptrons: the baselines LeNet5 is compared with (accuracy, size, speed).

They read MNIST at its native 28x28 (784 inputs), as the reference MLPs 784-128-64-10 and
784-500-10 do; resizing to LeNet5's 32x32 would only add 240 interpolated border pixels and
their weights. Feed them ``create_dataset(..., resize=net.input_size)``: same normalisation.
"""
from collections import OrderedDict

import mindspore.nn as nn


class MLP(nn.Cell):
    """flatten -> Dense -> ReLU -> ... -> Dense(num_classes). Input (N, 1, 28, 28), output logits.

    ``MLP()`` is 784-128-64-10 (109,386 parameters); ``MLP((500,))`` is 784-500-10 (397,510).
    """
    input_size = (28, 28)

    def __init__(self, hidden_sizes=(128, 64), num_classes=10):
        super().__init__()
        sizes = [self.input_size[0] * self.input_size[1], *hidden_sizes, num_classes]
        layers = OrderedDict(flatten=nn.Flatten())
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
            layers[f"fc{i}"] = nn.Dense(n_in, n_out)
            if i < len(sizes) - 1:
                layers[f"relu{i}"] = nn.ReLU()
        self.layers = nn.SequentialCell(layers)

    def construct(self, x):
        return self.layers(x)
