"""Runs the worked solutions of lesson 7's exercises and writes the numbers they quote.

    python tools/solutions_07.py [--json docs/results/solutions-07.json] [--only 2 3]

The code of each solution in course/solutions.md (section 7), with notebook 07's set-up: the
checkpoint of notebook 03 (the course recipe from seed 1, trained here the same way), its ONNX
export, the test split as ``images``/``labels``, the int8 model of ``quantize_network`` and
the footprint ``lenet``; ``tools/figures.py`` copies the numbers into the solutions. About half
a minute on a 2-core CPU (one training, four quantizations).
"""
import os
import sys
from types import SimpleNamespace

import numpy as np
import onnx

from solution_setup import DATA, course_network, run
from lenet5.data import labelled_images
from lenet5.deploy import OnnxModel, export, quantize_network
from lenet5.deploy.footprint import measure


def notebook(folder):
    net, info, ckpt = course_network(folder)
    exported = export(net, os.path.join(folder, "export"), "ONNX", data_dir=DATA, info=info,
                      ckpt=ckpt)
    images, labels = labelled_images(DATA, "test")
    int8 = os.path.join(folder, "export-int8")
    report = quantize_network(net, int8, DATA, info=info, ckpt=ckpt)
    return SimpleNamespace(net=net, info=info, OUT=folder, INT8=int8, report=report,
                           session=OnnxModel(exported["model"]), images=images, labels=labels,
                           fp32_path=exported["model"],
                           lenet=measure(net, "LeNet5", DATA, runs=500, info=info))


def softmax(logits):
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def solution_1(nb):
    logits = nb.session(nb.images)
    probabilities = softmax(logits)
    return {"printed": f"{probabilities.sum(axis=1)[:3]} "
                       f"{np.array_equal(probabilities.argmax(axis=1), logits.argmax(axis=1))}"}


def solution_2(nb):
    from lenet5.data import load_arrays, preprocess

    ways = {"as_trained": nb.images,
            "scaled": labelled_images(DATA, "test", mean=0, std=1)[0],
            "raw": labelled_images(DATA, "test", mean=0, std=1 / 255)[0],
            "inverted": preprocess(255 - load_arrays(DATA, "test")[0])}
    results = {}
    for name, x in ways.items():
        logits = nb.session(x)
        right = logits.argmax(axis=1) == nb.labels
        results[name] = {"accuracy": float(np.mean(right)), "mistakes": int(np.sum(~right)),
                         "confidence": float(softmax(logits).max(axis=1).mean())}
    trained = results["as_trained"]
    for name in ("scaled", "raw"):  # what forgetting the sidecar costs
        results[name]["cost_points"] = 100 * (trained["accuracy"] - results[name]["accuracy"])
        results[name]["more_mistakes"] = results[name]["mistakes"] - trained["mistakes"]
    return {"test_images": len(nb.labels), "ways": results}


def solution_3(nb):
    results = {}
    for name, options in {"per_tensor": dict(per_channel=False),
                          "calibration10": dict(calibration_images=10)}.items():
        r = quantize_network(nb.net, os.path.join(nb.OUT, "export-int8-try"), DATA,
                             info=nb.info, **options)
        results[name] = {k: r[k] for k in ("int8_accuracy", "fp32_accuracy",
                                           "changed_predictions", "int8_bytes")}
    results["default"] = {k: nb.report[k] for k in ("int8_accuracy", "fp32_accuracy",
                                                   "changed_predictions", "int8_bytes",
                                                   "test_images")}
    results["most_images_apart"] = max(
        round(abs(r["int8_accuracy"] - r["fp32_accuracy"]) * nb.report["test_images"])
        for r in results.values())
    return results


def solution_4(nb):
    rows = {r["name"]: r for r in nb.lenet["layers"]}
    printed = [(r["name"], r["params"], r["macs"]) for r in nb.lenet["layers"]
               if r["name"] in ("conv1", "fc1")]
    conv1, fc1 = rows["conv1"], rows["fc1"]
    return {"printed": str(printed),
            "conv1": {"params": conv1["params"], "macs": conv1["macs"]},
            "fc1": {"params": fc1["params"], "macs": fc1["macs"]},
            "macs_ratio": conv1["macs"] / fc1["macs"],
            "params_ratio": fc1["params"] / conv1["params"]}


def solution_5(nb):
    path = os.path.join(nb.INT8, "lenet5-int8.onnx")
    int8_model = onnx.load(path)
    parts = {}
    for t in int8_model.graph.initializer:
        kind = ("int8_weights" if t.name.endswith("weight_quantized") else
                "int32_biases" if t.name.endswith("bias_quantized") else "scales_zero_points")
        parts[kind] = parts.get(kind, 0) + onnx.numpy_helper.to_array(t).nbytes
    nodes = len(int8_model.graph.node)
    del int8_model.graph.initializer[:]
    parts["graph_metadata"] = len(int8_model.SerializeToString())
    size = os.path.getsize(path)
    fp32 = os.path.getsize(nb.fp32_path)
    weights = parts["int8_weights"] + parts["int32_biases"]
    return {"parts": parts, "file_bytes": size, "weights_bytes": weights,
            "other_bytes": size - weights, "framing_bytes": size - sum(parts.values()),
            "nodes": nodes, "fp32_nodes": len(onnx.load(nb.fp32_path).graph.node),
            "fp32_file_bytes": fp32, "size_ratio": size / fp32,
            "footprint_int8_bytes": nb.lenet["weight_bytes"]["int8"],
            "weights_match_footprint": weights == nb.lenet["weight_bytes"]["int8"]}


if __name__ == "__main__":
    sys.exit(run(7, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4,
                     5: solution_5}, notebook))
