"""Notebook 2 (the network): answers to its checked questions."""
import mindspore as ms
import numpy as np

import lenet5


def right():
    rng = np.random.default_rng(0)
    image = lambda: ms.Tensor(rng.normal(size=(1, 1, 32, 32)).astype(np.float32))  # noqa: E731
    ms.set_seed(1)
    return {"total_12": 64262, "same_shapes": [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)],
            "macs": 416520, "images_per_second": 1e9 / 416520,
            "net": lenet5.LeNet5(), "a": image(), "b": image(), "mlp_params": 109386,
            "quiz2_1": "a", "quiz2_2": "c", "quiz2_3": "b"}


_zero = ms.Tensor(np.zeros((1, 1, 32, 32), np.float32))

WRONG = {
    "ex2_1": [({"total_12": 64234}, "has_bias=True"),              # conv biases forgotten
              ({"total_12": 61706}, "LeNet5's own total"),
              ({"total_12": 61862}, "conv2's 16 filters now have 12 input channels"),
              ({"total_12": 64262.5}, "whole number"),
              ({"total_12": True}, "whole number")],
    "ex2_2": [({"same_shapes": [(6, 24, 24), (6, 12, 12), (16, 8, 8), (16, 4, 4)]}, "what 'valid' gives"),
              ({"same_shapes": [(1, 6, 28, 28)] * 4}, "four (channels, height, width) tuples"),
              ({"same_shapes": [(6, 28, 28), (6, 14, 14), (16, 10, 10)]}, "four (channels, height, width)"),
              ({"same_shapes": [(6, 28, 28), (6, 14, 14), (16, 14, 14), (16, 7, 7)]}, "Not yet")],
    "ex2_3": [({"macs": 61706}, "counts parameters"),
              ({"macs": 416520, "images_per_second": 416520 / 1e9}, "divided by the MACs of one image"),
              ({"macs": 357600}, "Not yet")],
    "ex2_4": [({"a": _zero, "b": _zero}, "Try two random images"),
              ({"a": np.zeros((1, 1, 32, 32)), "b": np.zeros((1, 1, 32, 32))}, "Try two random images"),  # float64 arrays
              ({"a": ms.Tensor(np.zeros((32, 32), np.float32))}, "shape (1, 1, 32, 32)")],
    "ex2_5": [({"mlp_params": 109184}, "leaves out the biases"),
              ({"mlp_params": 101770}, "Not yet")],
    "quiz2_1": [({"quiz2_1": "c"}, "average pooling"), ({"quiz2_1": "e"}, "one of the letters")],
    "quiz2_2": [({"quiz2_2": "b"}, "one Dense layer has far more")],
    "quiz2_3": [({"quiz2_3": "c"}, "uses each once per image")],
}

# Other right answers a learner may give (NumPy integers, another dtype, NumPy arrays): they pass.
ALSO_RIGHT = {
    "ex2_1": [{"total_12": np.int64(64262)}],
    "ex2_2": [{"same_shapes": [[6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 5, 5]]},
              {"same_shapes": np.array([(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)])}],
    "ex2_3": [{"macs": np.int64(416520), "images_per_second": np.float32(1e9 / 416520)}],
    "ex2_4": [{"a": ms.Tensor(np.random.default_rng(3).normal(size=(1, 1, 32, 32))),  # float64
               "b": np.random.default_rng(4).normal(size=(1, 1, 32, 32)).astype(np.float32)}],
    "ex2_5": [{"mlp_params": np.int32(109386)}],
    "quiz2_1": [{"quiz2_1": " A "}],
}
