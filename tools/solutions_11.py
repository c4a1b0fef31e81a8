"""Runs the worked solutions of lesson 11's exercises and writes the numbers they quote.

    python tools/solutions_11.py [--json docs/results/solutions-11.json] [--only 2 4]

The code of each solution in course/solutions.md (section 11), with notebook 11's set-up: the
checkpoint of notebook 03 (the course recipe from seed 1, trained here the same way), its ONNX
export ``FP32``, the int8 file quantized on 500 training images, its ``engine``, the test split
as ``images``/``labels`` with the engine's ``int8_logits``, and section 5's ``sample``,
``calls`` and ``after``. ``trace`` is the engine's trace of all test images: the first line of
solution 11.1, run once here for all four. ``tools/figures.py`` copies the numbers into the
solutions. About half a minute on a 2-core CPU (one training, one more quantization).
"""
import os
import sys
from types import SimpleNamespace

import numpy as np

from solution_setup import DATA, course_network, run
from lenet5.analysis.layers import trace as float_trace
from lenet5.data import labelled_images
from lenet5.deploy import Int8Engine, export, quantize_onnx
from lenet5.deploy.int8_engine import dequantize, gemm_int32, requantize
from lenet5.deploy.quantize import CALIBRATION_IMAGES

# Notebook 11, section 5: the float layer whose output each int8 step's output is compared with
AFTER = {"conv1": 1, "maxpool1": 2, "conv2": 4, "maxpool2": 5, "fc1": 8, "fc2": 10, "fc3": 11}


def notebook(folder):
    net, info, ckpt = course_network(folder)
    prepare = dict(resize=info.input_size, mean=info.mean, std=info.std)
    here = os.path.join(folder, "int8-by-hand")
    fp32 = export(net, here, "ONNX", data_dir=DATA, info=info, ckpt=ckpt)["model"]
    calibration, _ = labelled_images(DATA, "train", **prepare, limit=CALIBRATION_IMAGES, seed=0)
    engine = Int8Engine(quantize_onnx(fp32, os.path.join(here, "lenet5-int8.onnx"), calibration))
    images, labels = labelled_images(DATA, "test", **prepare)
    sample = images[:500]
    return SimpleNamespace(net=net, HERE=here, FP32=fp32, calibration=calibration,
                           engine=engine, images=images, labels=labels,
                           int8_logits=engine(images), trace=engine.run(images)[1],
                           z_y=engine.steps[0].output_q[1], sample=sample,
                           calls=float_trace(net, sample), after=AFTER)


def solution_1(nb):
    conv2 = nb.engine.steps[2]
    sums = nb.trace["conv2.acc"]  # int32, (2000, 16, 10, 10)
    bound = conv2.weight[0].size * 255 * 127  # 150 products, each at most 255 · 127
    largest = int(np.abs(sums).max())
    return {"products": conv2.weight[0].size, "bound": bound,
            "bound_bits": bound.bit_length() + 1, "largest": largest,
            "largest_bits": largest.bit_length() + 1, "largest_share_of_bound": largest / bound,
            "largest_bias": int(np.abs(conv2.bias).max()),
            "beyond_16_bits": float(np.mean((sums < -2**15) | (sums >= 2**15))),
            "sums": int(sums.size)}


def solution_2(nb):
    conv1 = nb.engine.steps[0]
    sums = nb.trace["conv1.acc"]  # int32, (2000, 6, 28, 28)
    scaled = np.float32(sums) * conv1.multiplier[:, None, None]  # float32, as onnxruntime
    even = np.clip(np.rint(scaled) + int(nb.z_y), 0, 255)  # what the engine wrote
    up = np.clip(np.floor(scaled + 0.5) + int(nb.z_y), 0, 255)
    same_as_engine = bool(np.array_equal(even, nb.trace[conv1.output]))
    changed = even != up
    ties = scaled % 1 == 0.5
    exact = sums.astype(np.float64) * conv1.multiplier[:, None, None]  # float64: no rounding
    return {"same_as_engine": same_as_engine, "changed": int(changed.sum()),
            "values": int(changed.size),
            "changed_values": sorted(set(scaled[changed].tolist())),
            "ties": int(ties.sum()), "ties_below_zero": int((ties & (scaled < 0)).sum()),
            "ties_above_zero": int((ties & (scaled > 0)).sum()),
            "ties_odd": int((ties & (scaled > 0) & (np.floor(scaled) % 2 == 1)).sum()),
            "ties_filters": np.unique(np.nonzero(ties)[1]).tolist(),
            "tie_sums": np.unique(sums[ties]).tolist(),
            "tie_sums_gcd": int(np.gcd.reduce(np.unique(sums[ties]))),
            "changed_exact": sorted(set(exact[changed].tolist())),
            "exact_ties": int((exact % 1 == 0.5).sum()),
            "smallest_tie_exact": float(np.abs(exact[ties]).min())}


def rounding_errors(nb, engine):
    """Section 5's table for one int8 engine: {step: (RMS error, largest error, values at 255,
    step s_y)}, errors in steps of the step's output."""
    _, q_trace = engine.run(nb.sample)
    rows = {}
    for step in engine.steps:
        if step.name in nb.after:
            scale, zero = step.output_q
            reference = nb.calls[nb.after[step.name]].output.reshape(q_trace[step.output].shape)
            error = dequantize(q_trace[step.output], scale, zero) - reference
            kept = reference != 0
            rows[step.name] = (np.sqrt((error[kept] ** 2).mean()) / scale,
                               np.abs(error).max() / scale, (q_trace[step.output] == 255).sum(),
                               scale)
    return rows


def table_row(row):
    rms, largest, clipped, scale = row
    return {"rms": float(rms), "largest": float(largest), "clipped": int(clipped),
            "scale": float(scale)}


def solution_3(nb):
    few = Int8Engine(quantize_onnx(nb.FP32, os.path.join(nb.HERE, "lenet5-int8-10.onnx"),
                                   nb.calibration[:10]))
    before, now = rounding_errors(nb, nb.engine), rounding_errors(nb, few)
    few_logits = few(nb.images)
    return {"calibration500": {name: table_row(row) for name, row in before.items()},
            "calibration10": {name: table_row(row) for name, row in now.items()},
            "fc2_rms_real": {"calibration500": float(before["fc2"][0] * before["fc2"][3]),
                             "calibration10": float(now["fc2"][0] * now["fc2"][3])},
            "accuracy500": float(np.mean(nb.int8_logits.argmax(1) == nb.labels)),
            "accuracy10": float(np.mean(few_logits.argmax(1) == nb.labels)),
            "changed": int(np.sum(few_logits.argmax(1) != nb.int8_logits.argmax(1))),
            "sample_images": len(nb.sample), "test_images": len(nb.labels)}


def solution_4(nb):
    fc1 = nb.engine.steps[5]
    zero_points = (int(fc1.input_q[1]), bool(fc1.weight_q[1].any()))  # 0, False: none
    x = nb.trace[fc1.input].astype(np.int32)  # (2000, 400): fc1's uint8 inputs
    saturated = np.empty_like(nb.trace["fc1.acc"])  # the int32 sums such a CPU computes
    above = below = 0
    hit = np.zeros(len(x), bool)  # images with a pair beyond 16 bits
    for m, w in enumerate(fc1.weight.astype(np.int32)):  # one output of fc1 at a time
        pairs = x[:, 0::2] * w[0::2] + x[:, 1::2] * w[1::2]  # (2000, 200): k even
        above, below = above + (pairs > 32767).sum(), below + (pairs < -32768).sum()
        hit |= ((pairs > 32767) | (pairs < -32768)).any(axis=1)
        saturated[:, m] = np.clip(pairs, -32768, 32767).sum(axis=1) + fc1.bias[m]
    sums_changed = int(np.sum(saturated != nb.trace["fc1.acc"]))

    y = requantize(saturated, fc1.multiplier, fc1.output_q[1])
    fc1_changed = int(np.sum(y != nb.trace[fc1.output]))
    for step in nb.engine.steps[6:]:  # fc2 and fc3, exactly
        y = requantize(gemm_int32(y, step.input_q[1], step.weight, step.weight_q[1], step.bias),
                       step.multiplier, step.output_q[1])
    avx2_logits = dequantize(y, *nb.engine.output_step[1])
    return {"zero_points": list(zero_points), "pairs": x.size // 2 * len(fc1.weight),
            "above": int(above), "below": int(below), "images_hit": int(hit.sum()),
            "sums_changed": sums_changed, "sums": int(saturated.size),
            "fc1_changed": fc1_changed,
            "logits_changed_images": int(np.any(avx2_logits != nb.int8_logits, axis=1).sum()),
            "predictions_changed": int(np.sum(avx2_logits.argmax(1)
                                              != nb.int8_logits.argmax(1))),
            "accuracy": float(np.mean(avx2_logits.argmax(1) == nb.labels)),
            "exact_accuracy": float(np.mean(nb.int8_logits.argmax(1) == nb.labels)),
            "test_images": len(nb.labels)}


if __name__ == "__main__":
    sys.exit(run(11, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4}, notebook))
