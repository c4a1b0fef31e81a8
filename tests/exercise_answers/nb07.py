"""Notebook 7 (deployment): answers to its checked questions."""
import os
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

from lenet5.data import labelled_images
from lenet5.deploy import OnnxModel, export, quantize_network

from exercise_answers.nb06 import DATA, trained_network

OUT = tempfile.mkdtemp(prefix="lenet5-nb07-answers-")
INT8 = os.path.join(OUT, "export-int8")


def _softmax(logits):
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def _setup():
    import lenet5
    net = trained_network()
    info = lenet5.CheckpointInfo.describe(net)
    session = OnnxModel(export(net, os.path.join(OUT, "export"), "ONNX", data_dir=DATA, info=info)["model"])
    images, labels = labelled_images(DATA, "test")
    report = quantize_network(net, INT8, DATA, info=info)
    per_tensor = quantize_network(net, os.path.join(OUT, "export-int8-try"), DATA, info=info, per_channel=False)
    both = quantize_network(net, os.path.join(OUT, "export-int8-both"), DATA, info=info, per_channel=False,
                            calibration_images=10)
    return net, info, session, images, labels, report, per_tensor, both


net, info, session, images, labels, report, per_tensor, _both = _setup()
onnx_logits = session(images)
scaled_logits = session(labelled_images(DATA, "test", mean=0, std=1)[0])
_path = os.path.join(INT8, "lenet5-int8.onnx")
_init = onnx.load(_path).graph.initializer
_bytes = {kind: sum(numpy_helper.to_array(t).nbytes for t in _init if t.name.endswith(kind))
          for kind in ("weight_quantized", "bias_quantized")}


def right():
    return {"onnx_logits": onnx_logits, "probabilities": _softmax(onnx_logits), "predicted": onnx_logits.argmax(axis=1),
            "session": session, "images": images, "labels": labels, "DATA": DATA,
            "scaled_accuracy": float(np.mean(scaled_logits.argmax(axis=1) == labels)),
            "scaled_confidence": float(_softmax(scaled_logits).max(axis=1).mean()),
            "report": report, "per_tensor": per_tensor,
            "conv1_params": 156, "conv1_macs": 117600, "fc1_params": 48120, "fc1_macs": 48000,
            "INT8": INT8, "other_bytes": os.path.getsize(_path) - _bytes["weight_quantized"] - _bytes["bias_quantized"],
            "quiz7_1": "b", "quiz7_2": "c", "quiz7_3": "d", "quiz7_4": "a"}


_e = np.exp(onnx_logits)
WRONG = {
    "ex7_1": [({"probabilities": onnx_logits}, "still the logits"),
              ({"probabilities": _e / _e.sum(axis=0, keepdims=True)}, "not over the images"),
              ({"probabilities": _e}, "Not yet: softmax"),
              ({"predicted": onnx_logits.argmax(axis=0)}, "one digit per image")],
    "ex7_2": [({"scaled_accuracy": float(np.mean(onnx_logits.argmax(axis=1) == labels))}, "inputs as trained"),
              ({"scaled_accuracy": 100 * float(np.mean(scaled_logits.argmax(axis=1) == labels))}, "not a percentage"),
              ({"scaled_confidence": float(scaled_logits.max(axis=1).mean())}, "apply softmax"),
              ({"scaled_accuracy": 0.5}, "Not yet: run session")],
    "ex7_3": [({"per_tensor": report}, "per_channel=False"),
              ({"per_tensor": _both}, "one thing at a time"),
              ({"per_tensor": None}, "the report quantize_network returns")],
    "ex7_4": [({"conv1_params": 150}, "a bias for each of its 6 filters"),
              ({"conv1_macs": 6 * 32 * 32 * 25}, "count the output positions"),
              ({"conv1_macs": 6 * 28 * 28 * 26}, "not a multiply-accumulate"),
              ({"fc1_params": 48000}, "one bias per output unit"),
              ({"fc1_macs": 48120}, "Not yet for fc1"),
              ({"conv1_params": 156.0}, "four whole numbers")],
    "ex7_5": [({"other_bytes": os.path.getsize(_path) - _bytes["weight_quantized"]}, "int32 biases"),
              ({"other_bytes": os.path.getsize(_path) + 100_000}, "not the fp32 file"),
              ({"other_bytes": 3000}, "Not yet")],
    "quiz7_1": [({"quiz7_1": "a"}, "never changes which value is largest")],
    "quiz7_2": [({"quiz7_2": "b"}, "uses no labels")],
    "quiz7_3": [({"quiz7_3": "b"}, "Every layer's weights are int8")],
    "quiz7_4": [({"quiz7_4": "d"}, "Exactly equal bits")],
}
