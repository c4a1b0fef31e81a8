"""int8 post-training static quantization of the exported ONNX model, with onnxruntime.

Weights become int8 (one scale per output channel), activations uint8 with ranges measured on
training images (min/max calibration), in onnxruntime's recommended QDQ form: the graph keeps
QuantizeLinear/DequantizeLinear pairs, which onnxruntime fuses into integer kernels.

    lenet5 quantize --ckpt outputs/lenet5.ckpt --out export-int8/
    -> export-int8/lenet5-int8.onnx (+ .json sidecar), test_data_set_0/, quantization.json

Quantization-aware training with MindSpore Golden Stick is not offered: see docs/DEPLOYMENT.md.
"""
import os
import shutil
import tempfile

import numpy as np
import onnx
from onnx import version_converter
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                      QuantType, quant_pre_process, quantize_static)

from ..atomic import atomic_path, write_json
from ..checkpoint import CheckpointInfo
from ..data import labelled_images
from ..device import setup_device
from ..errors import Lenet5Error
from .export import (add_network_arguments, describe_onnx, export, open_network, opset_of,
                     sidecar, sidecar_path, write_test_vectors)
from .onnx_model import OnnxModel, accuracy

CALIBRATION_IMAGES = 500
QDQ_MIN_OPSET = 13  # per-channel DequantizeLinear (its axis attribute) needs opset 13


def quantize_onnx(fp32_path, int8_path, calibration, per_channel=True):
    """Quantize ``fp32_path`` to int8 at ``int8_path``, calibrated on ``calibration``: a
    float32 array (N, 1, H, W) of training images as the model sees them. The int8 model keeps
    the fp32 model's record (``OnnxModel(...).info``)."""
    model = OnnxModel(fp32_path)
    batch = model.batch or 1
    usable = len(calibration) - len(calibration) % batch
    if usable == 0:
        raise Lenet5Error(f"calibration needs at least {batch} images (the model's batch)")

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(np.split(calibration[:usable].astype(np.float32),
                                         usable // batch))

        def get_next(self):
            images = next(self.batches, None)
            return None if images is None else {model.input_name: images}

    with tempfile.TemporaryDirectory(prefix="lenet5-quantize-") as tmp:
        proto = onnx.load(fp32_path)
        if opset_of(proto) < QDQ_MIN_OPSET:
            proto = version_converter.convert_version(proto, QDQ_MIN_OPSET)
        upgraded, prepared = os.path.join(tmp, "fp32.onnx"), os.path.join(tmp, "prepared.onnx")
        onnx.save(proto, upgraded)
        # Shape inference and graph clean-up that the quantizer expects; the symbolic shape
        # pass would need sympy and adds nothing for static shapes.
        quant_pre_process(upgraded, prepared, skip_symbolic_shape=True)
        with atomic_path(int8_path) as final:
            quantize_static(prepared, final, Reader(), quant_format=QuantFormat.QDQ,
                            per_channel=per_channel, weight_type=QuantType.QInt8,
                            activation_type=QuantType.QUInt8,
                            calibrate_method=CalibrationMethod.MinMax)
            if model.info is not None:  # the quantizer drops the metadata: put it back
                onnx.save(describe_onnx(onnx.load(final), model.info), final)
            onnx.checker.check_model(final)
    return int8_path


def compare(fp32_path, int8_path, images, labels):
    """Test-split accuracy of both models, their file sizes, and the predictions that changed."""
    fp32_accuracy, fp32_predictions = accuracy(OnnxModel(fp32_path), images, labels)
    int8_accuracy, int8_predictions = accuracy(OnnxModel(int8_path), images, labels)
    fp32_bytes, int8_bytes = os.path.getsize(fp32_path), os.path.getsize(int8_path)
    return {"test_images": int(len(labels)),
            "fp32_accuracy": fp32_accuracy, "int8_accuracy": int8_accuracy,
            "accuracy_drop_points": round(100 * (fp32_accuracy - int8_accuracy), 4),
            "changed_predictions": int((fp32_predictions != int8_predictions).sum()),
            "fp32_bytes": fp32_bytes, "int8_bytes": int8_bytes,
            "size_ratio": round(int8_bytes / fp32_bytes, 4)}


def quantize_network(net, out_dir, data_dir, name="lenet5", calibration_images=CALIBRATION_IMAGES,
                     per_channel=True, ckpt=None, seed=0, info=None):
    """Export ``net`` to ONNX, quantize it to int8 and compare the two on the test split.
    ``info``: the checkpoint's record (default: ``net`` trained on MNIST).

    Writes ``out_dir``/``name``-int8.onnx with its sidecar and test vectors (the int8 model's
    own outputs), and ``quantization.json`` (the comparison), which it returns.
    """
    info = info or CheckpointInfo.describe(net)
    inputs = info.input_options()
    calibration, _ = labelled_images(data_dir, "train", **inputs, limit=calibration_images,
                                     seed=seed)
    images, labels = labelled_images(data_dir, "test", **inputs)
    method = {"tool": "onnxruntime.quantization.quantize_static", "format": "QDQ",
              "weights": "int8, per channel" if per_channel else "int8, per tensor",
              "activations": "uint8", "calibration": "MinMax",
              "calibration_images": int(len(calibration)), "calibration_split": "train"}
    path = os.path.join(out_dir, f"{name}-int8.onnx")
    with tempfile.TemporaryDirectory(prefix="lenet5-quantize-") as tmp:
        fp32 = export(net, tmp, "ONNX", name=name, ckpt=ckpt, data_dir=data_dir,
                      info=info)["model"]
        int8 = quantize_onnx(fp32, os.path.join(tmp, os.path.basename(path)), calibration,
                             per_channel)
        report = {"model": os.path.basename(path), "method": method,
                  **compare(fp32, int8, images, labels)}
        model = OnnxModel(int8)
        outputs = model(images[:model.batch])
        with atomic_path(path) as final:
            shutil.copyfile(int8, final)
    write_json(sidecar_path(path), sidecar(
        path, "ONNX", (model.batch, 1, *model.input_size), info, model.input_name,
        model.output_name, ckpt=ckpt, opset=opset_of(onnx.load(path)), quantization=method,
        accuracy={"fp32": report["fp32_accuracy"], "int8": report["int8_accuracy"],
                  "test_images": report["test_images"]}))
    write_test_vectors(out_dir, images[:model.batch], outputs, model.input_name,
                       model.output_name)
    write_json(os.path.join(out_dir, "quantization.json"), report)
    return report


def add_arguments(p):
    add_network_arguments(p, "data folder: training images calibrate, the test split measures "
                             "accuracy")
    p.add_argument("--out", default="export-int8/", help="folder for the int8 model, its sidecar, "
                   "test_data_set_0/ and quantization.json")
    p.add_argument("--calibration", type=int, default=CALIBRATION_IMAGES,
                   help="training images used to measure activation ranges")
    p.add_argument("--per_tensor", action="store_true", help="one weight scale per tensor "
                   "instead of per output channel")
    p.add_argument("--name", default="lenet5", help="file name stem: NAME-int8.onnx")


def run(args):
    if args.calibration < 1:
        raise Lenet5Error(f"--calibration must be at least 1, got {args.calibration}")
    setup_device("CPU")
    net, info, data_url = open_network(args, splits=("train", "test"))
    r = quantize_network(net, args.out, data_url, args.name, args.calibration,
                         not args.per_tensor, args.ckpt, info=info)
    print(f"int8 model: {os.path.join(args.out, r['model'])}: {r['int8_bytes']:,} bytes = "
          f"{r['size_ratio']:.0%} of fp32 ({r['fp32_bytes']:,} bytes)")
    print(f"test accuracy on {r['test_images']} images: fp32 {r['fp32_accuracy']:.2%}, int8 "
          f"{r['int8_accuracy']:.2%} ({r['changed_predictions']} predictions changed)")
    return 0
