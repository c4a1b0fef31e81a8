"""Fully connected baselines to compare LeNet5 with.

* ``mlp-mxnet``: 784-128-64-10, the multilayer perceptron of the MXNet MNIST tutorial.
* ``mlp-int8``: 784-500-10, the network of a small int8 MLP inference engine for MNIST.

Both take 28x28 images (``create_dataset(..., resize=(28, 28))``) and flatten them to 784
values; hidden layers use ReLU.
"""
import mindspore.nn as nn

BASELINES = {
    "mlp-mxnet": (784, 128, 64, 10),
    "mlp-int8": (784, 500, 10),
}
INPUT_SIZE = (28, 28)  # the image size the MLPs expect (LeNet5: 32x32)


class MLP(nn.Cell):
    """Flatten -> Dense -> ReLU -> ... -> Dense: ``sizes`` lists every layer's width."""
    input_size = INPUT_SIZE  # what create_dataset(resize=...) must give it, as LeNet5.input_size

    def __init__(self, sizes=BASELINES["mlp-mxnet"]):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs an input and an output size, got {sizes}")
        self.sizes = tuple(sizes)
        self.flatten = nn.Flatten()
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Dense(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.layers = nn.SequentialCell(layers)

    def construct(self, x):
        return self.layers(self.flatten(x))


def baseline(name):
    """A fresh baseline network by name (see ``BASELINES``)."""
    try:
        return MLP(BASELINES[name])
    except KeyError:
        raise ValueError(f"unknown baseline {name!r}: choose one of {sorted(BASELINES)}") from None
