"""LeNet-5 as LeCun, Bottou, Bengio and Haffner built it (``LeNet5(variant="lenet1998")``):
:class:`LeNet1998`, its layers, and the paper's own parameter counts to check them against.

Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11), 1998: section II.B (the network), Table I (C3's connections),
section II.C (the loss) and Appendix A (the squashing function and the initialisation):

* the input: the 28x28 digit padded with background to 32x32, background -0.1 and ink 1.175
  (:data:`NORMALISATION`);
* every layer up to F6 ends in the squashing function 1.7159·tanh(2a/3) (:class:`ScaledTanh`);
* S2 and S4 add the four values of each 2x2 block, multiply the sum by a trainable coefficient
  and add a trainable bias, one of each per map (:class:`Subsampling`);
* C3's map i sees only the S2 maps ``CONNECTIONS[i]`` (:class:`PartialConv2d`);
* the output: one Euclidean RBF unit per class, the squared distance between F6's 84 values
  and a fixed +-1 code, a 7x12 bitmap of the digit (:class:`EuclideanRBF`, :data:`BITMAPS`).
"""
import mindspore as ms
import mindspore.nn as nn
import mindspore.ops as ops
import numpy as np
from mindspore import Parameter
from mindspore.common.initializer import Uniform, initializer

from .errors import Lenet5Error

# Background (pixel 0) -> -0.1 and ink (255) -> 1.175, as (p / 255 - mean) / std.
NORMALISATION = (0.1 / 1.275, 1 / 1.275)

# Table I: the S2 maps each C3 map takes as input. Maps 0-5 see 3 neighbouring maps, 6-11 four
# neighbouring maps, 12-14 four maps in two pairs, 15 all six.
CONNECTIONS = ((0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
               (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1),
               (5, 0, 1, 2), (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
               (0, 1, 2, 3, 4, 5))

# The RBF codes: each digit drawn on a 7x12 bitmap, ink +1 and paper -1. The paper shows its
# bitmaps (Fig. 3) but does not list them; these are drawn in the same style.
BITMAPS = {
    "0": ("..###..", ".##.##.", "##...##", "##...##", "##...##", "##...##",
          "##...##", "##...##", ".##.##.", "..###..", ".......", "......."),
    "1": ("...##..", "..###..", ".####..", "...##..", "...##..", "...##..",
          "...##..", "...##..", "...##..", ".######", ".......", "......."),
    "2": (".#####.", "##...##", ".....##", ".....##", "....##.", "...##..",
          "..##...", ".##....", "##.....", "#######", ".......", "......."),
    "3": (".#####.", "##...##", ".....##", ".....##", "..####.", ".....##",
          ".....##", ".....##", "##...##", ".#####.", ".......", "......."),
    "4": ("....##.", "...###.", "..####.", ".##.##.", "##..##.", "#######",
          "....##.", "....##.", "....##.", "....##.", ".......", "......."),
    "5": ("#######", "##.....", "##.....", "######.", ".....##", ".....##",
          ".....##", ".....##", "##...##", ".#####.", ".......", "......."),
    "6": ("..####.", ".##....", "##.....", "##.....", "######.", "##...##",
          "##...##", "##...##", "##...##", ".#####.", ".......", "......."),
    "7": ("#######", ".....##", "....##.", "....##.", "...##..", "...##..",
          "..##...", "..##...", "..##...", "..##...", ".......", "......."),
    "8": (".#####.", "##...##", "##...##", "##...##", ".#####.", "##...##",
          "##...##", "##...##", "##...##", ".#####.", ".......", "......."),
    "9": (".#####.", "##...##", "##...##", "##...##", "##...##", ".######",
          ".....##", ".....##", "....##.", ".####..", ".......", "......."),
}

# The paper's counts (section II.B): trainable parameters and connections per layer. C5 is
# fully connected, so its parameters are its connections; the RBF weights are fixed.
PAPER = {
    "C1": {"parameters": 156, "connections": 122304},
    "S2": {"parameters": 12, "connections": 5880},
    "C3": {"parameters": 1516, "connections": 151600},
    "S4": {"parameters": 32, "connections": 2000},
    "C5": {"parameters": 48120, "connections": 48120},
    "F6": {"parameters": 10164, "connections": 10164},
}
PAPER_TOTAL = {"parameters": 60000, "connections": 340908}  # section II.B, with the output


def codes(num_classes):
    """The RBF centres: float32 (num_classes, 84), +1 for ink, -1 for paper."""
    if num_classes > len(BITMAPS):
        raise Lenet5Error(f"LeNet5 lenet1998's RBF outputs are the {len(BITMAPS)} digits' 7x12 "
                          f"bitmaps: it cannot have {num_classes} classes (use --variant "
                          "classic or course)")
    rows = [np.array([[1.0 if c == "#" else -1.0 for c in line] for line in BITMAPS[str(d)]])
            for d in range(num_classes)]
    return np.stack([r.reshape(-1) for r in rows]).astype(np.float32)


def fan_in_uniform(fan_in):
    """Appendix A's initialisation of the weights: uniform in +-2.4 / F, F the inputs of the
    unit (biases start at 0)."""
    return Uniform(2.4 / fan_in)


class ScaledTanh(nn.Cell):
    """The squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3: f(1) = 1, f(-1) = -1."""

    def construct(self, x):
        return 1.7159 * ops.tanh(x * (2 / 3))


class Subsampling(nn.Cell):
    """S2, S4: per map, the sum of each 2x2 block times a trainable coefficient plus a trainable
    bias, through the squashing function. 2 parameters per map."""

    def __init__(self, maps):
        super().__init__()
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.coefficient = Parameter(initializer(fan_in_uniform(4), (maps,), ms.float32),
                                     name="coefficient")
        self.bias = Parameter(initializer("zeros", (maps,), ms.float32), name="bias")
        self.squash = ScaledTanh()

    def construct(self, x):
        total = 4 * self.pool(x)  # the sum of each 2x2 block
        scale = self.coefficient.reshape((1, -1, 1, 1))
        return self.squash(total * scale + self.bias.reshape((1, -1, 1, 1)))


class PartialConv2d(nn.Cell):
    """C3: a 5x5 convolution whose output map i sees only the input maps ``table[i]``.

    Its parameters are one 5x5 kernel per connection (60 for Table I), each initialised for
    its map's fan-in, and one bias per map. Every call places the kernels into a full
    (maps, inputs, 5, 5) kernel whose other entries are zeros, not parameters, and runs one
    ordinary convolution: the same values as one grouped convolution per row length, and
    faster to train on CPU.
    """

    def __init__(self, table=CONNECTIONS, in_maps=6, kernel_size=5):
        super().__init__()
        self.table = tuple(tuple(row) for row in table)
        kernels = sum(len(row) for row in self.table)
        area = kernel_size * kernel_size
        bounds = np.array([2.4 / (len(row) * area) for row in self.table for _ in row])
        unit = initializer(Uniform(1.0), (kernels, kernel_size, kernel_size), ms.float32)
        self.weight = Parameter(ms.Tensor(unit.init_data().asnumpy() * bounds[:, None, None],
                                          ms.float32), name="weight")
        self.bias = Parameter(initializer("zeros", (len(self.table),), ms.float32), name="bias")
        # position (map, input) of the full kernel -> its kernel, or the zero kernel after them
        where = np.full((len(self.table), in_maps), kernels, np.int32)
        for k, (out, inp) in enumerate((o, i) for o, row in enumerate(self.table) for i in row):
            where[out, inp] = k
        self.where = ms.Tensor(where.reshape(-1))
        self.zero = ms.Tensor(np.zeros((1, kernel_size, kernel_size), np.float32))
        self.shape = (len(self.table), in_maps, kernel_size, kernel_size)

    def full_kernel(self):
        """The (maps, inputs, 5, 5) kernel: zeros where Table I has no connection."""
        kernels = ops.cat((self.weight, self.zero), 0)
        return ops.gather(kernels, self.where, 0).reshape(self.shape)

    def construct(self, x):
        return ops.conv2d(x, self.full_kernel(), self.bias)


class EuclideanRBF(nn.Cell):
    """The output layer: one unit per class, y_i = sum_j (x_j - w_ij)^2, the squared distance
    between F6's output and the class's fixed code. Returns -y as logits: the closest code is
    the argmax, and softmax cross-entropy on them is the paper's maximum a posteriori loss
    (section II.C) without its constant "rubbish class" term e^-j (j -> infinity)."""

    def __init__(self, num_classes):
        super().__init__()
        self.centres = Parameter(ms.Tensor(codes(num_classes)), name="centres",
                                 requires_grad=False)

    def construct(self, x):
        diff = x.expand_dims(1) - self.centres.expand_dims(0)  # (N, classes, 84)
        return -(diff * diff).sum(axis=2)


class LeNet1998(nn.Cell):
    """C1 -> S2 -> C3 -> S4 -> C5 -> F6 -> RBF output, named as in the paper; every layer up to
    F6 ends in the scaled tanh. Weights uniform in +-2.4 / fan-in (Appendix A), biases 0.

    Input: a float32 batch (N, num_channel, 32, 32) of digits padded to 32x32 and normalised
    as :data:`NORMALISATION` says; output: (N, num_classes) logits, minus the squared
    distance of F6's output to each class's code.
    """
    variant = "lenet1998"
    input_size = (32, 32)
    input_fit = "pad"  # lenet5.data.FITS: the digit padded, not resized
    normalisation = NORMALISATION  # fixed, whatever the training data's mean and std

    def __init__(self, num_classes=10, num_channel=1):
        super().__init__()
        self.num_classes = num_classes
        self.c1 = nn.Conv2d(num_channel, 6, 5, pad_mode="valid", has_bias=True,
                            weight_init=fan_in_uniform(num_channel * 25), bias_init="zeros")
        self.s2 = Subsampling(6)
        self.c3 = PartialConv2d(CONNECTIONS)
        self.s4 = Subsampling(16)
        # C5: 120 5x5 kernels over all 16 S4 maps; on a 5x5 input, a Dense layer of 400 -> 120.
        self.c5 = nn.Conv2d(16, 120, 5, pad_mode="valid", has_bias=True,
                            weight_init=fan_in_uniform(400), bias_init="zeros")
        self.f6 = nn.Dense(120, 84, weight_init=fan_in_uniform(120), bias_init="zeros")
        self.rbf = EuclideanRBF(num_classes)
        self.squash = ScaledTanh()  # S2 and S4 squash inside
        self.flatten = nn.Flatten()

    def first_layer(self):
        """C1 and its activation (what ``lenet5 serve`` shows)."""
        return self.c1, self.squash

    def subsampled(self, x):
        """C1 -> S2 -> C3 -> S4: (N, C, 32, 32) -> (N, 16, 5, 5)."""
        x = self.s2(self.squash(self.c1(x)))
        return self.s4(self.squash(self.c3(x)))

    def features(self, x):
        """S4's maps, flattened: (N, C, 32, 32) -> (N, 400), as ``LeNet5.features``."""
        return self.flatten(self.subsampled(x))

    def construct(self, x):
        x = self.flatten(self.squash(self.c5(self.subsampled(x))))  # C5's maps are 1x1
        return self.rbf(self.squash(self.f6(x)))


# The paper's layer names -> LeNet1998's attributes
LAYERS = {"C1": "c1", "S2": "s2", "C3": "c3", "S4": "s4", "C5": "c5", "F6": "f6", "OUTPUT": "rbf"}


def count_by_layer(net):
    """Parameters per layer of a :class:`LeNet1998`, as MindSpore holds them:
    ``{layer: (trainable, fixed)}``; the RBF codes are the only fixed ones."""
    counts = {}
    for layer, name in LAYERS.items():
        params = getattr(net, name).get_parameters()
        sizes = [(int(p.size), p.requires_grad) for p in params]
        counts[layer] = (sum(n for n, t in sizes if t), sum(n for n, t in sizes if not t))
    return counts


def derive_parameters(num_classes=10, input_size=32):
    """Trainable parameters and connections per layer, worked out from the architecture (not
    from a network): ``{layer: {"parameters", "connections"}}``, C1 ... F6 and OUTPUT (whose
    ``parameters`` are fixed, not trained)."""
    k = 5 * 5
    c1 = input_size - 4  # 28: a 5x5 valid convolution
    s2 = c1 // 2
    c3 = s2 - 4
    s4 = c3 // 2
    c5 = s4 - 4  # 1: C5's 5x5 kernels cover S4's 5x5 maps
    kernels = sum(len(row) for row in CONNECTIONS)  # 60 5x5 kernels in C3
    layers = {
        "C1": (6 * (k + 1), 6 * (k + 1) * c1 * c1),
        "S2": (6 * 2, 6 * (4 + 1) * s2 * s2),
        "C3": (kernels * k + 16, (kernels * k + 16) * c3 * c3),
        "S4": (16 * 2, 16 * (4 + 1) * s4 * s4),
        "C5": (120 * (16 * k + 1), 120 * (16 * k + 1) * c5 * c5),
        "F6": (84 * (120 + 1), 84 * (120 + 1)),
        "OUTPUT": (num_classes * 84, num_classes * 84),
    }
    return {name: {"parameters": p, "connections": c} for name, (p, c) in layers.items()}
