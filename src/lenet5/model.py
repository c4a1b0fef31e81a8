"""LeNet5, as an ``nn.Cell``, in three forms (docs/ARCHITECTURE.md; lesson 2 compares them):

* ``classic`` (default): the modern LeNet-5 of most re-implementations: ReLU after both
  convolutions and after the first two Dense layers, max-pooling, biases everywhere,
  Glorot/Xavier-uniform weights. 61,706 parameters with 10 classes.
* ``course``: the network of the original MindSpore course, line for line: its convolutions
  have no bias (MindSpore's ``nn.Conv2d`` default), every layer keeps MindSpore 2.x's default
  initialiser (the course's MindSpore 0.5-1.x drew normal weights, sigma 0.01, and zero biases), and
  there is no activation between the Dense layers (so the three Dense layers compose to one
  linear map). 61,684 parameters with 10 classes.
* ``lenet1998``: LeCun et al.'s 1998 LeNet-5 (:mod:`lenet5.lenet1998`): scaled tanh, trainable
  subsampling, C3's partial connection table, C5 and F6, and fixed Euclidean RBF outputs; its
  input is the digit padded (not resized) to 32x32 with background -0.1 and ink 1.175. 60,000
  trainable parameters with 10 classes, as the paper says, and 840 fixed RBF weights.
"""
import mindspore as ms
import mindspore.nn as nn
import mindspore.ops as ops
from mindspore.common.initializer import XavierUniform

from . import lenet1998

VARIANTS = ("classic", "course", "lenet1998")
# How each variant reads a 28x28 digit: how it becomes 32x32 ("resize" or "pad", see
# lenet5.data.FITS) and the (mean, std) it fixes, or None for the training data's own.
INPUTS = {"classic": ("resize", None), "course": ("resize", None),
          "lenet1998": ("pad", lenet1998.NORMALISATION)}


class MaxPool2d(nn.MaxPool2d):
    """``nn.MaxPool2d`` (``pad_mode="valid"``) that trains faster on CPU; the same values and
    gradients.

    On CPU, MindSpore 2.10 runs max-pooling and its gradient with oneDNN's plain-C reference
    kernel for NCHW data: 1.9-2.6 ms per LeNet5 training step (batch 32) for the two pools. When
    the window tiles the map exactly (LeNet5: 28 -> 14 and 10 -> 5), pooling to
    ``size // kernel`` with ``AdaptiveMaxPool2D`` takes exactly the same windows, in 0.6-0.7 ms
    (``python bench/maxpool_ops.py``). Evaluation, prediction and export keep ``MaxPool``, the
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

    ``lenet1998``: C1 -> S2 -> C3 -> S4 -> C5 -> F6 -> RBF (:mod:`lenet5.lenet1998`).

    Input: a float32 batch of shape (N, num_channel, 32, 32); output: logits (N, num_classes).
    """
    input_size = (32, 32)  # what create_dataset(resize=...) must give it

    def __init__(self, num_classes=10, num_channel=1, variant="classic"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.variant, self.num_classes = variant, num_classes
        self.input_fit, self.normalisation = INPUTS[variant]  # create_dataset(fit=...)
        self.paper = variant == "lenet1998"
        if self.paper:
            self._build_1998(num_classes, num_channel)
            return
        classic = variant == "classic"
        # classic: Glorot/Xavier-uniform weights and conv biases; course: the original's
        # nn.Conv2d(1, 6, 5, stride=1, pad_mode='valid') with MindSpore's defaults (no bias,
        # He-uniform) and default Dense layers.
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

    def _build_1998(self, num_classes, num_channel):
        """The 1998 layers, named as in the paper; weights uniform in +-2.4 / fan-in, biases 0."""
        uniform = lenet1998.fan_in_uniform
        fan_in = num_channel * 25
        self.c1 = nn.Conv2d(num_channel, 6, 5, pad_mode="valid", has_bias=True,
                            weight_init=uniform(fan_in), bias_init="zeros")
        self.s2 = lenet1998.Subsampling(6)
        self.c3 = lenet1998.PartialConv2d(lenet1998.CONNECTIONS)
        self.s4 = lenet1998.Subsampling(16)
        # C5: 120 5x5 kernels over all 16 S4 maps; on a 5x5 input, a Dense layer of 400 -> 120.
        self.c5 = nn.Conv2d(16, 120, 5, pad_mode="valid", has_bias=True,
                            weight_init=uniform(400), bias_init="zeros")
        self.f6 = nn.Dense(120, 84, weight_init=uniform(120), bias_init="zeros")
        self.rbf = lenet1998.EuclideanRBF(num_classes)
        self.squash = lenet1998.ScaledTanh()  # S2 and S4 squash inside
        self.flatten = nn.Flatten()

    def first_layer(self):
        """The first convolution and its activation (what ``lenet5 serve`` shows)."""
        return (self.c1, self.squash) if self.paper else (self.conv1, self.relu)

    def subsampled(self, x):
        """lenet1998's C1 -> S2 -> C3 -> S4: (N, C, 32, 32) -> (N, 16, 5, 5)."""
        x = self.s2(self.squash(self.c1(x)))
        return self.s4(self.squash(self.c3(x)))

    def features(self, x):
        """The convolutional part: (N, C, 32, 32) -> (N, 400) (lenet1998: S4's maps)."""
        if self.paper:
            return self.flatten(self.subsampled(x))
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.flatten(x)

    def construct(self, x):
        if self.paper:
            x = self.flatten(self.squash(self.c5(self.subsampled(x))))  # C5's maps are 1x1
            return self.rbf(self.squash(self.f6(x)))
        x = self.fc1(self.features(x))
        if self.dense_relu:
            x = self.relu(x)
        x = self.fc2(x)
        if self.dense_relu:
            x = self.relu(x)
        return self.fc3(x)


def count_parameters(net):
    """The number of trainable values in ``net``: for LeNet5 with 10 classes 61,706 (classic),
    61,684 (course) or 60,000 (lenet1998)."""
    return sum(int(p.size) for p in net.trainable_params())
