"""``lenet5 predict``: what a trained network reads in image files (photos, scans, PNGs).

    lenet5 predict photo.jpg --ckpt outputs/lenet5.ckpt
    lenet5 predict examples/digits/*.png --onnx export/lenet5.onnx --json

Each image becomes an MNIST-style digit (:mod:`lenet5.deploy.digits`), then the network's input
with the normalisation of the data it was trained on, read from the checkpoint's or the ONNX
model's record (:mod:`lenet5.checkpoint`); the answers use its class names.
"""
import json
import os

import mindspore as ms
import numpy as np

from ..checkpoint import CheckpointInfo, open_checkpoint
from ..data import preprocess
from ..device import setup_device
from ..errors import Lenet5Error
from ..model import VARIANTS
from ..train import softmax
from .digits import load_digits
from .onnx_model import OnnxModel


def top_k(probabilities, k, class_names):
    """{class name: probability} of the ``k`` likeliest classes, likeliest first."""
    order = np.argsort(-probabilities, kind="stable")[:k]
    return {class_names[i]: round(float(probabilities[i]), 6) for i in order}


def classify_digits(digits, classify, info, k=3):
    """The answer for each digit (uint8 28x28): ``{"class", "label", "probabilities"}`` with
    the top-``k`` probabilities by class name. ``classify`` maps a float32 batch (N, 1, H, W),
    normalised as ``info`` (the checkpoint's record) says, to logits (N, classes)."""
    images = preprocess(digits, **info.input_options())
    return [{"class": int(p.argmax()), "label": info.classes[int(p.argmax())],
             "probabilities": top_k(p, k, info.classes)}
            for p in softmax(classify(images))]


def classifier(ckpt=None, onnx=None, variant=None, num_classes=None):
    """``(classify, info)`` for a MindSpore checkpoint or an exported ONNX model: ``classify``
    maps a normalised float32 batch to logits, ``info`` is the model's record."""
    if onnx:
        model = OnnxModel(onnx)
        info = model.info
        if info is None:  # an ONNX model not made by lenet5 export: take it as MNIST digits
            outputs = model.session.get_outputs()[0].shape[-1]
            info = CheckpointInfo(input_size=model.input_size, assumed=True).with_overrides(
                num_classes=outputs if isinstance(outputs, int) else None)
        return model, info.with_overrides(variant, num_classes)
    net, info = open_checkpoint(ckpt, variant, num_classes)
    return (lambda images: net(ms.Tensor(images)).asnumpy()), info


def add_arguments(p):
    p.add_argument("images", nargs="+", metavar="IMAGE", help="PNG/JPEG/BMP/... files, one digit "
                   "each, any size, dark ink on light paper or light on dark")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--ckpt", help="LeNet5 checkpoint (from main.py); it records its "
                        "classes and normalisation")
    source.add_argument("--onnx", help="exported ONNX model, fp32 or int8 (lenet5 export/quantize)")
    p.add_argument("--variant", default=None, choices=VARIANTS,
                   help="override the variant the checkpoint records")
    p.add_argument("--num_classes", type=int, default=None,
                   help="override the number of classes the checkpoint records")
    p.add_argument("--top", type=int, default=3, help="how many likeliest classes to show")
    p.add_argument("--json", action="store_true", help="one JSON object per image and line")
    p.add_argument("--device_target", default="CPU", help="CPU, GPU, Ascend or auto (--ckpt)")


def run(args):
    if args.top < 1:
        raise Lenet5Error(f"--top must be at least 1, got {args.top}")
    for path in (args.ckpt, args.onnx):
        if path and not os.path.isfile(path):
            raise Lenet5Error(f"model file {path!r} does not exist")
    digits = load_digits(args.images)  # a bad image stops us before the slow model loading
    if args.ckpt:
        setup_device(args.device_target)
    classify, info = classifier(args.ckpt, args.onnx, args.variant, args.num_classes)
    for path, answer in zip(args.images, classify_digits(digits, classify, info, args.top)):
        if args.json:
            print(json.dumps({"path": path, **answer}))
        else:
            shown = ", ".join(f"{name}: {p:.1%}" for name, p in answer["probabilities"].items())
            print(f"{path}: {answer['label']}  ({shown})")
    return 0
