"""LeNet5, as an ``nn.Cell``, in two modern forms and LeCun et al.'s own (docs/ARCHITECTURE.md;
lesson 2 compares them):

* ``classic`` (default): the modern LeNet-5 of most re-implementations: ReLU after both
  convolutions and after the first two Dense layers, max-pooling, biases everywhere,
  Glorot/Xavier-uniform weights. 61,706 parameters with 10 classes.
* ``course``: the network of the original MindSpore course, line for line: its convolutions
  have no bias (MindSpore's ``nn.Conv2d`` default), every layer keeps today's default
  initialiser (``HeUniform(sqrt(5))``, uniform in +-1/sqrt(fan_in), since MindSpore 2.1; the
  course's MindSpore 0.5-1.x, and up to 2.0, drew normal weights, sigma 0.01, and zero biases), and
  there is no activation between the Dense layers (so the three Dense layers compose to one
  linear map). 61,684 parameters with 10 classes.
* ``lenet1998``: LeNet-5 as LeCun, Bottou, Bengio and Haffner published it in 1998, a network
  of its own (:class:`lenet5.lenet1998.LeNet1998`): scaled tanh, trainable subsampling, C3's
  partial connection table and fixed Euclidean RBF outputs, on digits padded (not resized) to
  32x32 with background -0.1 and ink 1.175. 60,000 trainable parameters, as the paper says.
"""
import mindspore as ms
import mindspore.nn as nn
import mindspore.ops as ops
from mindspore.common.initializer import XavierUniform

from .lenet1998 import LeNet1998

VARIANTS = ("classic", "course", "lenet1998")
# How each variant reads a 28x28 digit: how it becomes 32x32 ("resize" or "pad", see
# lenet5.data.FITS) and the (mean, std) it fixes, or None for the training data's own.
INPUTS = {"classic": ("resize", None), "course": ("resize", None),
          "lenet1998": (LeNet1998.input_fit, LeNet1998.normalisation)}


class MaxPool2d(nn.MaxPool2d):
    """``nn.MaxPool2d`` (``pad_mode="valid"``) that trains faster on CPU; the same values and
    gradients.

    On CPU, MindSpore 2.10 runs max-pooling and its gradient with oneDNN's plain-C reference
    kernel for NCHW data. When the window tiles the map exactly (LeNet5: 28 -> 14 and
    10 -> 5), pooling to ``size // kernel`` with ``AdaptiveMaxPool2D`` takes exactly the same
    windows, several times faster (``python bench/maxpool_ops.py`` measures both; docs/CPU_SPEED.md
    has its figures). Evaluation, prediction and export keep ``MaxPool``, the
    operator ONNX and MindSpore Lite know.
    """

    def __init__(self, kernel_size=2, stride=2):
        super().__init__(kernel_size=kernel_size, stride=stride)
        self.adaptive_on_cpu = ms.get_context("device_target") == "CPU"

    def construct(self, x):
        h, w = x.shape[-2], x.shape[-1]
        k = self.kernel_size
        # Adaptive windows are the same only when windows neither overlap nor leave a remainder.
        if (self.training and self.adaptive_on_cpu and self.stride == k and x.ndim == 4
                and h % k == 0 and w % k == 0):
            return ops.adaptive_max_pool2d(x, (h // k, w // k))
        return self.max_pool(x)


class LeNet5(nn.Cell):
    """conv(1->6, 5x5) -> ReLU -> maxpool -> conv(6->16, 5x5) -> ReLU -> maxpool -> flatten
    -> Dense(400->120) -> [ReLU] -> Dense(120->84) -> [ReLU] -> Dense(84->num_classes).

    Input: a float32 batch of shape (N, num_channel, 32, 32); output: logits (N, num_classes).
    ``LeNet5(variant="lenet1998")`` gives a :class:`~lenet5.lenet1998.LeNet1998` instead.
    """
    input_size = (32, 32)  # what create_dataset(resize=...) must give it

    def __new__(cls, num_classes=10, num_channel=1, variant="classic"):
        if variant == "lenet1998":  # shares no layer with the two modern forms
            return LeNet1998(num_classes, num_channel)
        return super().__new__(cls)

    def __init__(self, num_classes=10, num_channel=1, variant="classic"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.variant = variant
        classic = variant == "classic"
        # classic: Glorot/Xavier-uniform weights and conv biases; course: the original's
        # nn.Conv2d(1, 6, 5, stride=1, pad_mode='valid') with MindSpore's defaults (no bias,
        # HeUniform(sqrt(5))) and default Dense layers.
        init = {"weight_init": XavierUniform()} if classic else {}
        self.conv1 = nn.Conv2d(num_channel, 6, 5, pad_mode="valid", has_bias=classic, **init)
        self.conv2 = nn.Conv2d(6, 16, 5, pad_mode="valid", has_bias=classic, **init)
        self.relu = nn.ReLU()
        self.pool = MaxPool2d(kernel_size=2, stride=2)  # nn.MaxPool2d, faster to train on CPU
        self.flatten = nn.Flatten()
        self.fc1 = nn.Dense(16 * 5 * 5, 120, **init)
        self.fc2 = nn.Dense(120, 84, **init)
        self.fc3 = nn.Dense(84, num_classes, **init)
        self.dense_relu = classic

    def features(self, x):
        """The convolutional part: (N, C, 32, 32) -> (N, 400)."""
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.flatten(x)

    def classifier(self, x):
        """The fully connected part: (N, 400) -> (N, num_classes) logits."""
        x = self.fc1(x)
        if self.dense_relu:
            x = self.relu(x)
        x = self.fc2(x)
        if self.dense_relu:
            x = self.relu(x)
        return self.fc3(x)

    def construct(self, x):
        return self.classifier(self.features(x))


class PoolBeforeReLU(nn.Cell):
    """A LeNet5's outputs for evaluation and prediction, each max-pool taken before its ReLU.

    Max-pooling and ReLU commute: ReLU is non-decreasing, so max(relu(a), relu(b)) =
    relu(max(a, b)), and neither rounds, so for inputs without NaN the outputs are the same, bit
    for bit (tests/test_model.py). ReLU then touches a quarter of the values, which makes a
    forward pass on CPU about 5% faster (docs/CPU_SPEED.md, "Evaluation"). It shares the
    network's parameters. Training, export and the layer-by-layer views (``analysis.layers``)
    keep the course's order: conv -> ReLU -> pool.
    """

    def __init__(self, net):
        super().__init__(auto_prefix=False)  # the parameters keep their names (conv1.weight)
        self.net = net

    def construct(self, x):
        n = self.net
        x = n.relu(n.pool.max_pool(n.conv1(x)))
        x = n.flatten(n.relu(n.pool.max_pool(n.conv2(x))))
        return n.classifier(x)


def inference_cell(net):
    """The cell :mod:`lenet5.inference` runs for ``net``'s outputs: :class:`PoolBeforeReLU` for
    a plain LeNet5 (kept on the network), ``net`` itself for anything else -- a subclass, or a
    LeNet5 whose ReLU or pool was swapped, may compute something else."""
    if not (type(net) is LeNet5 and type(net.relu) is nn.ReLU and type(net.pool) is MaxPool2d):
        return net
    cell = net.__dict__.get("_pool_before_relu")
    if cell is None:
        cell = PoolBeforeReLU(net)
        object.__setattr__(net, "_pool_before_relu", cell)  # not a sub-cell: not in checkpoints
    return cell


def count_parameters(net):
    """The number of trainable values in ``net``: for LeNet5 with 10 classes 61,706 (classic),
    61,684 (course) or 60,000 (lenet1998)."""
    return sum(int(p.size) for p in net.trainable_params())
