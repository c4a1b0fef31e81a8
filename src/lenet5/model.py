"""LeNet5, as an ``nn.Cell``.

Two forms that differ only in the classifier head:

* ``classic`` (default): ReLU after the first two Dense layers, as in LeCun's LeNet-5 and in
  MindSpore's model zoo. Without it the three Dense layers collapse into one linear map.
* ``course``: no activation between the Dense layers, exactly as in the original MindSpore
  course. Same parameters (61,706), slightly weaker.
"""
import mindspore as ms
import mindspore.nn as nn
import mindspore.ops as ops
from mindspore.common.initializer import XavierUniform

VARIANTS = ("classic", "course")


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

    Input: a float32 batch of shape (N, num_channel, 32, 32); output: logits (N, num_classes).
    """
    input_size = (32, 32)  # what create_dataset(resize=...) must give it

    def __init__(self, num_classes=10, num_channel=1, variant="classic"):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.variant = variant
        # Glorot/Xavier weights, as in Caffe's LeNet example. On the 8,000-image sample the
        # course recipe then scores 96.05-97.40% over seeds 1-10; with MindSpore's default
        # (He-uniform, a=sqrt(5)) it scored 95.55-96.95% over seeds 1-5.
        conv = dict(pad_mode="valid", has_bias=True, weight_init=XavierUniform())
        self.conv1 = nn.Conv2d(num_channel, 6, 5, **conv)
        self.conv2 = nn.Conv2d(6, 16, 5, **conv)
        self.relu = nn.ReLU()
        self.pool = MaxPool2d(kernel_size=2, stride=2)  # nn.MaxPool2d, faster to train on CPU
        self.flatten = nn.Flatten()
        self.fc1 = nn.Dense(16 * 5 * 5, 120, weight_init=XavierUniform())
        self.fc2 = nn.Dense(120, 84, weight_init=XavierUniform())
        self.fc3 = nn.Dense(84, num_classes, weight_init=XavierUniform())
        self.dense_relu = variant == "classic"

    def features(self, x):
        """The convolutional part: (N, C, 32, 32) -> (N, 400)."""
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.flatten(x)

    def construct(self, x):
        x = self.fc1(self.features(x))
        if self.dense_relu:
            x = self.relu(x)
        x = self.fc2(x)
        if self.dense_relu:
            x = self.relu(x)
        return self.fc3(x)


def count_parameters(net):
    """The number of trainable values in ``net`` (61,706 for LeNet5 with 10 classes)."""
    return sum(int(p.size) for p in net.trainable_params())
