"""Notebook 10 (LeNet-5 as LeCun built it): answers to its checked questions."""
import mindspore as ms
import numpy as np

import lenet5
from lenet5 import lenet1998

MEAN, STD = lenet1998.NORMALISATION
SLOPE = 1.7159 * 2 / 3 * (1 - np.tanh(2 / 3) ** 2)


def rbf_logits(f6, codes):
    return -((f6[:, None, :] - codes[None, :, :]) ** 2).sum(axis=2)


def _tanh_net(places=("squash", "s2", "s4")):
    ms.set_seed(1)
    net = lenet5.LeNet5(variant="lenet1998")
    if "squash" in places:
        net.squash = ms.nn.Tanh()
    if "s2" in places:
        net.s2.squash = ms.nn.Tanh()
    if "s4" in places:
        net.s4.squash = ms.nn.Tanh()
    return net


_test_images = np.random.default_rng(0).integers(0, 256, size=(8, 28, 28)).astype(np.uint8)


def right():
    return {"c3_full": 2416, "saved": 900, "saved_connections": 90000,
            "rbf_logits": rbf_logits, "dense_params": 60850,
            "test_images": _test_images,
            "resized_1998": lenet5.data.preprocess(_test_images, fit="resize", mean=MEAN, std=STD),
            "tanh_net": _tanh_net(), "reaches_codes": False, "slope_at_code": float(SLOPE),
            "quiz10_1": "c", "quiz10_2": "b", "quiz10_3": "a"}


WRONG = {
    "ex10_1": [({"c3_full": 2400}, "16 biases"),
               ({"saved_connections": 900}, "times C3's 10x10 positions"),
               ({"saved_connections": 900 * 196}, "not at the 14x14"),
               ({"saved": 916}, "Not yet"),
               ({"c3_full": 2416.0}, "three whole numbers")],
    "ex10_2": [({"rbf_logits": lambda f6, codes: -rbf_logits(f6, codes)}, "minus the distances"),
               ({"rbf_logits": lambda f6, codes: -np.sqrt(-rbf_logits(f6, codes))}, "not its square root"),
               ({"rbf_logits": lambda f6, codes: -((f6[:, None, :] - codes[None]) ** 2).sum(axis=1)},
                "shape (N, classes)"),
               ({"rbf_logits": lambda f6, codes: 2 * f6 @ codes.T}, "Not yet"),
               ({"dense_params": 60000}, "RBF network's count"),
               ({"dense_params": 60840}, "10 biases")],
    "ex10_3": [({"resized_1998": lenet5.data.preprocess(_test_images)}, "course's levels"),
               ({"resized_1998": lenet5.data.preprocess(_test_images, fit="pad", mean=MEAN, std=STD)},
                "padded digit"),
               ({"resized_1998": lenet5.data.preprocess(_test_images[:4], fit="resize", mean=MEAN, std=STD)},
                "shape (8, 1, 32, 32)"),
               ({"resized_1998": lenet5.data.preprocess(_test_images[::-1], fit="resize", mean=MEAN, std=STD)},
                "Not yet")],
    "ex10_4": [({"tanh_net": _tanh_net(("squash",))}, "all three places"),
               ({"reaches_codes": True}, "strictly between"),
               ({"slope_at_code": 1.7159 * 2 / 3}, "slope at a = 0"),
               ({"slope_at_code": float(1 - np.tanh(1) ** 2)}, "plain tanh's slope"),
               ({"slope_at_code": 1.0}, "Not yet"),
               ({"reaches_codes": "no"}, "True or False")],
    "quiz10_1": [({"quiz10_1": "b"}, "not 1"), ({"quiz10_1": "d"}, "asymptotes are ±1.7159")],
    "quiz10_2": [({"quiz10_2": "a"}, "Max-pooling has none"), ({"quiz10_2": "c"}, "one weight per map")],
    "quiz10_3": [({"quiz10_3": "b"}, "same for every class"), ({"quiz10_3": "d"}, "no bias")],
}
