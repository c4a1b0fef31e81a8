"""Notebook 11 (int8 by hand): answers to its checked questions. The engine, its trace and the
calibration images are small stand-ins with the attributes the checks read (building the real
int8 file needs notebook 3's checkpoint)."""
from types import SimpleNamespace

import numpy as np

from lenet5.deploy.int8_engine import requantize

_rng = np.random.default_rng(0)
_CAL = np.array([-0.42421293, 0.5, 2.8214865], np.float32)  # the range of the calibration images
_SCALE = np.float32((float(_CAL.max()) - float(_CAL.min())) / 255)
_MULTIPLIER = np.float32([2.0 ** -10, 0.0009, 0.0013, 0.0010, 0.0008, 0.0012])
_conv1_acc = _rng.integers(-200000, 200000, size=(20, 6, 4, 4)).astype(np.int32)
_conv1_acc[0, 0, 0, :2] = [2560, 4608]  # 2.5 and 4.5: half up and half to even differ
_trace = {"conv1.acc": _conv1_acc,
          "conv1_out": requantize(_conv1_acc, _MULTIPLIER, 0),
          "conv2.acc": _rng.integers(-260000, 260000, size=(20, 16, 10, 10)).astype(np.int32),
          "fc1_in": _rng.integers(0, 256, size=(30, 400)).astype(np.uint8)}
_engine = SimpleNamespace(
    input_step=("image", (_SCALE, np.uint8(33))),
    steps=[SimpleNamespace(multiplier=_MULTIPLIER, output_q=(np.float32(0.03), np.uint8(0)), output="conv1_out")]
    + [None] * 4
    + [SimpleNamespace(input="fc1_in", weight=_rng.integers(-127, 128, size=(120, 400)).astype(np.int8))])


def requantize_half_up(acc, M, z):
    scaled = np.float32(acc) * np.float32(M)
    return np.clip(np.floor(scaled + 0.5) + int(z), 0, 255).astype(np.uint8)


def qparams(lo, hi):
    scale = (hi - lo) / 255
    return scale, int(round(-lo / scale))


def pair_sums(x, w):
    x, w = x.astype(np.int32), w.astype(np.int32)
    return x[:, 0::2] * w[0::2] + x[:, 1::2] * w[1::2]


def _outside(pairs_of):
    count = 0
    for w in _engine.steps[5].weight:
        pairs = pairs_of(_trace["fc1_in"], w)
        count += int(((pairs > 32767) | (pairs < -32768)).sum())
    return count


def _changed(rounding):
    scaled = np.float32(_conv1_acc) * _MULTIPLIER[:, None, None]
    return int(np.sum(np.clip(rounding(scaled), 0, 255) != _trace["conv1_out"]))


def right():
    return {"engine": _engine, "trace": _trace, "calibration": _CAL,
            "bound": 4857750, "bits": 24, "largest": int(np.abs(_trace["conv2.acc"]).max()),
            "requantize_half_up": requantize_half_up, "changed": _changed(lambda s: np.floor(s + 0.5)),
            "qparams": qparams, "clipped": {"fc2": (2, 42000)}, "clipped_500": 2, "clipped_10": 130,
            "pair_sums": pair_sums, "outside": _outside(pair_sums),
            "quiz11_1": "d", "quiz11_2": "a", "quiz11_3": "b"}


def _truncating(acc, M, z):
    return np.clip(np.floor(np.float32(acc) * np.float32(M)) + int(z), 0, 255).astype(np.uint8)


def _minus_zero(acc, M, z):
    return np.clip(np.floor(np.float32(acc) * np.float32(M) + 0.5) - int(z), 0, 255).astype(np.uint8)


def _wrapping(acc, M, z):
    return (np.floor(np.float32(acc) * np.float32(M) + 0.5) + int(z)).astype(np.int64).astype(np.uint8)


def _half_even(acc, M, z):
    return requantize(acc, M, z)


def _int16_pairs(x, w):
    return x[:, 0::2] * w[0::2] + x[:, 1::2] * w[1::2]  # uint8 * int8 -> int16: wraps


WRONG = {
    "ex11_1": [({"bound": 150 * 255 * 128}, "255 · 127"),
               ({"bound": 25 * 255 * 127}, "150 products"),
               ({"bits": 23}, "sign bit"),
               ({"bound": 150 * 255 * 255, "bits": 25}, "Not yet"),
               ({"largest": int(_trace["conv2.acc"].max()) - 1}, "np.abs first"),
               ({"bits": 24.0}, "three whole numbers")],
    "ex11_2": [({"requantize_half_up": _truncating}, "That truncates"),
               ({"requantize_half_up": _minus_zero}, "zero point is added"),
               ({"requantize_half_up": _wrapping}, "wraps around"),
               ({"requantize_half_up": _half_even}, "on a half (2.5) round up"),
               ({"changed": 0}, "count the values that differ")],
    "ex11_3": [({"qparams": lambda lo, hi: ((hi - lo) / 255, int(round(lo / ((hi - lo) / 255))))},
                "Wrong zero point sign"),
               ({"qparams": lambda lo, hi: ((hi - lo) / 256, int(round(-lo / ((hi - lo) / 256))))},
                "255 steps"),
               ({"qparams": lambda lo, hi: ((hi - lo) / 255, int(-lo / ((hi - lo) / 255)))},
                "nearest integer"),
               ({"qparams": lambda lo, hi: (hi / 255, 0)}, "Not yet"),
               ({"clipped_500": 42000}, "section 5's count"),
               ({"clipped_10": 1}, "more values are cut")],
    "ex11_4": [({"pair_sums": lambda x, w: x[:, :-1].astype(np.int32) * w[:-1] + x[:, 1:].astype(np.int32) * w[1:]},
                "do not overlap"),
               ({"pair_sums": _int16_pairs}, "wrap around"),
               ({"pair_sums": lambda x, w: x[:, 0::2].astype(np.int32) * w[0::2]}, "Not yet"),
               ({"outside": _outside(_int16_pairs)}, "count the pairs")],
    "quiz11_1": [({"quiz11_1": "a"}, "no Relu either"), ({"quiz11_1": "c"}, "signed int32")],
    "quiz11_2": [({"quiz11_2": "c"}, "int32"), ({"quiz11_2": "d"}, "multiplies each int32 sum by M")],
    "quiz11_3": [({"quiz11_3": "a"}, "only compares"), ({"quiz11_3": "d"}, "no sum to hold")],
}
