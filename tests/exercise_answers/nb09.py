"""Notebook 9 (LeNet5 from scratch): answers to its checked questions."""
from types import SimpleNamespace

import mindspore as ms
import numpy as np

import lenet5
from lenet5 import scratch

CAUGHT = ["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc1.bias", "fc1.weight",
          "fc2.bias", "fc2.weight"]


def numpy_step(params, x, y, lr=0.01):
    loss, grads = scratch.loss_and_grads(params, x, y)
    for name in params:
        params[name] -= lr * grads[name]
    return loss


def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) // stride + 1


def _convolutions():
    """(ours, theirs) as the solution computes them, on random 28x28 inputs and weights."""
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(8, 1, 28, 28)).astype(np.float32)
    w1 = rng.normal(scale=0.2, size=(6, 1, 5, 5)).astype(np.float32)
    conv = ms.nn.Conv2d(1, 6, 5, pad_mode="pad", padding=2)
    conv.weight.set_data(ms.Tensor(w1))
    return scratch.conv2d(raw, w1, padding=2), conv(ms.Tensor(raw)).asnumpy(), raw, w1


def _small_net(params):
    net = lenet5.LeNet5()
    ms.load_param_into_net(net, {n: ms.Parameter(ms.Tensor(v), name=n) for n, v in params.items()})
    net.set_train(False)
    return net


def _loss(net):
    rng = np.random.default_rng(1)
    images = rng.normal(size=(64, 1, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, 64).astype(np.int32)
    criterion = ms.nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    return float(criterion(net(ms.Tensor(images)), ms.Tensor(labels)).asnumpy())


def right():
    ours, theirs, _, _ = _convolutions()
    small_net = _small_net(scratch.init_params(scheme="normal", sigma=0.01))
    return {"caught": list(CAUGHT), "scratch": scratch, "numpy_step": numpy_step,
            "conv_output_size": conv_output_size, "ours": ours, "theirs": theirs,
            "pool2_3x3": 10, "last_stride2": 13, "small_net": small_net, "first_loss": _loss(small_net),
            "quiz9_1": "b", "quiz9_2": "c", "quiz9_3": "d", "quiz9_4": "a"}


def _uphill(params, x, y, lr=0.01):
    loss, grads = scratch.loss_and_grads(params, x, y)
    for name in params:
        params[name] += lr * grads[name]
    return loss


def _weights_only(params, x, y, lr=0.01):
    loss, grads = scratch.loss_and_grads(params, x, y)
    for name in params:
        if name.endswith("weight"):
            params[name] -= lr * grads[name]
    return loss


def _no_return(params, x, y, lr=0.01):
    numpy_step(params, x, y, lr)


def _unpadded():
    _, _, raw, w1 = _convolutions()
    conv = ms.nn.Conv2d(1, 6, 5, pad_mode="valid")
    conv.weight.set_data(ms.Tensor(w1))
    return scratch.conv2d(raw, w1), conv(ms.Tensor(raw)).asnumpy()


def _other_weights():
    ours, _, raw, _ = _convolutions()
    ms.set_seed(3)
    return ours, ms.nn.Conv2d(1, 6, 5, pad_mode="pad", padding=2)(ms.Tensor(raw)).asnumpy()


def _weights_loaded_only():
    params = scratch.init_params(scheme="normal", sigma=0.01)
    return _small_net({n: v for n, v in params.items() if n.endswith("weight")})


_unpadded_ours, _unpadded_theirs = _unpadded()
_, _other_theirs = _other_weights()
ms.set_seed(1)
_xavier_net = lenet5.LeNet5()

WRONG = {
    "ex9_1": [({"caught": CAUGHT + ["fc3.bias", "fc3.weight"]}, "before the first ReLU backward"),
              ({"caught": []}, "Nothing caught"),
              ({"scratch": SimpleNamespace(relu_backward=lambda dout, x: dout)}, "restore it"),
              ({"caught": CAUGHT[2:]}, "Not yet"),
              ({"caught": "conv1.weight"}, "list of strings")],
    "ex9_2": [({"numpy_step": _uphill}, "goes up the gradient"),
              ({"numpy_step": _weights_only}, "the biases too"),
              ({"numpy_step": _no_return}, "returns the loss")],
    "ex9_3": [({"conv_output_size": lambda n, k, stride=1, padding=0: (n + 2 * padding - k) // stride},
               "Off by one"),
              ({"conv_output_size": lambda n, k, stride=1, padding=0: (n + padding - k) // stride + 1},
               "2p in all"),
              ({"conv_output_size": lambda n, k, stride=1, padding=0: (n + 2 * padding - k) / stride + 1},
               "use // for the floor"),
              ({"conv_output_size": lambda n, k, stride=1, padding=0: n + 2 * padding - k + 1},
               "Does the stride divide"),
              ({"ours": _unpadded_ours, "theirs": _unpadded_theirs}, "pass padding=2"),
              ({"theirs": _other_theirs}, "the same weights")],
    "ex9_4": [({"pool2_3x3": 16}, "LeNet5's own pool2"),
              ({"pool2_3x3": 30, "last_stride2": 29}, "fc1's field"),
              ({"pool2_3x3": 26}, "fc1's field"),  # the last row of a list that keeps WINDOWS' ("fc1", 5, 1)
              ({"last_stride2": 31}, "Remove the pooling layers"),
              ({"last_stride2": 9}, "Give the convolutions stride 2"),
              ({"pool2_3x3": 12}, "Not yet"),
              ({"pool2_3x3": 10.0}, "two whole numbers")],
    "ex9_5": [({"small_net": _xavier_net}, "another scale"),
              ({"small_net": _weights_loaded_only()}, "the biases too"),
              ({"first_loss": 0.2}, "trained network's loss"),
              ({"first_loss": 2.39}, "Not yet"),
              ({"first_loss": "2.30"}, "as a float")],
    "quiz9_1": [({"quiz9_1": "a"}, "the same multiplications"), ({"quiz9_1": "c"}, "memory is its price")],
    "quiz9_2": [({"quiz9_2": "a"}, "the field grows"), ({"quiz9_2": "d"}, "Only the Dense layers")],
    "quiz9_3": [({"quiz9_3": "a"}, "large"), ({"quiz9_3": "b"}, "growing again")],
    "quiz9_4": [({"quiz9_4": "b"}, "That is σ = 1"), ({"quiz9_4": "c"}, "tiny, not zero")],
}
