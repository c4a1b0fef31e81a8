"""What a model costs on a small device, per layer: the table STMicroelectronics' tools print.

For each layer: parameters, multiply-accumulates (MACs) for one image, weight bytes in fp32 and
int8 (int8 weights, int32 biases, as integer kernels store them; scales not counted). For the
model: peak activation bytes for one image (the most values alive at once when the layers run
one after another, free what they no longer need and apply ReLU in place), file sizes, and the
median single-image latency in onnxruntime on 1 thread, fp32 vs int8.

    lenet5 footprint                       # LeNet5 and the MLP baselines
    lenet5 footprint --models lenet5 --ckpt outputs/lenet5.ckpt --json footprint.json

Sizes, MACs and latency do not depend on the weights' values: without --ckpt the networks keep
their initial weights, and a few training images calibrate the int8 versions.
"""
import os
import tempfile
from dataclasses import asdict, dataclass

import numpy as np
import onnx
from onnx import numpy_helper

from ..analysis.baselines import baseline
from ..analysis.tables import markdown_table
from ..atomic import write_json
from ..checkpoint import CheckpointInfo
from ..data import labelled_images, locate_split
from ..device import setup_device
from ..errors import Lenet5Error
from ..model import VARIANTS, LeNet5
from .export import export, open_network
from .onnx_model import OnnxModel
from .quantize import quantize_onnx

CALIBRATION_IMAGES = 200
RUNS = 1000


# command-line name -> table name; the MLPs are lenet5.analysis.baselines.BASELINES
MODELS = {"lenet5": "LeNet5", "mlp-mxnet": "MLP 784-128-64-10", "mlp-int8": "MLP 784-500-10"}


def build(name, variant=None):
    """A fresh network by its command-line name (``variant``: LeNet5's; default classic)."""
    return LeNet5(variant=variant or "classic") if name == "lenet5" else baseline(name)


@dataclass
class Layer:
    name: str
    op: str
    output_shape: tuple
    params: int
    macs: int
    fp32_bytes: int
    int8_bytes: int


def _shapes(model):
    """{tensor name: shape without the batch dimension} for every tensor of the graph."""
    graph = onnx.shape_inference.infer_shapes(model, strict_mode=True).graph
    shapes = {}
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        shapes[value.name] = tuple(d.dim_value for d in value.type.tensor_type.shape.dim)[1:]
    return shapes


def layers(onnx_path):
    """The per-layer table of an fp32 ONNX model, one :class:`Layer` per graph node."""
    model = onnx.load(onnx_path)
    shapes = _shapes(model)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    rows, counts = [], {}
    for node in model.graph.node:
        tensors = [weights[name] for name in node.input if name in weights]
        out = shapes[node.output[0]]
        if node.op_type == "Conv":  # each output value: C_in/groups * kh * kw products
            # a kernel computed in the graph (lenet1998's C3) has an inferred shape instead
            kernel = (weights[node.input[1]].shape[1:] if node.input[1] in weights
                      else shapes[node.input[1]])
            macs = int(np.prod(out)) * int(np.prod(kernel))
        elif node.op_type in ("Gemm", "MatMul"):
            macs = int(np.prod(out)) * int(tensors[0].size // np.prod(out))
        else:
            macs = 0
        if tensors:  # the parameters' cell: conv1.weight -> conv1, layers.2.weight -> layers.2
            name = node.input[1].rsplit(".", 1)[0]
        else:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
            name = f"{node.op_type.lower()}{counts[node.op_type]}"
        params = sum(int(t.size) for t in tensors)
        int8 = sum(int(t.size) * (1 if t.ndim > 1 else 4) for t in tensors)
        rows.append(Layer(name, node.op_type, out, params, macs, 4 * params, int8))
    return rows


# Layers that need no buffer of their own: an activation computed in place (inference engines
# fuse it into the layer before), a reshape that only relabels the same values.
IN_PLACE = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Flatten", "Reshape", "Identity"}


def peak_activation_values(onnx_path):
    """The most activation values alive at once for one image, layers run in graph order,
    each buffer freed after its last reader, :data:`IN_PLACE` layers reusing their input's."""
    model = onnx.load(onnx_path)
    shapes = _shapes(model)
    nodes = model.graph.node
    constants = {t.name for t in model.graph.initializer}
    last_use = {name: len(nodes) for name in (o.name for o in model.graph.output)}
    for i, node in enumerate(nodes):
        for name in node.input:
            if name not in constants:
                last_use[name] = max(last_use.get(name, i), i)
    alive = {i.name for i in model.graph.input if i.name not in constants}
    peak = 0
    for i, node in enumerate(nodes):
        if node.op_type in IN_PLACE and last_use.get(node.input[0]) == i:
            alive.discard(node.input[0])
        alive |= set(node.output)
        peak = max(peak, sum(int(np.prod(shapes[name])) for name in alive))
        alive = {name for name in alive if last_use.get(name, -1) > i}
    return peak


def measure(net, label, data_dir, runs=RUNS, calibration_images=CALIBRATION_IMAGES, info=None):
    """The footprint of ``net``: per-layer table, totals, file sizes and latencies. ``info``:
    the checkpoint's record (its normalisation prepares the calibration images; default MNIST)."""
    info = info or CheckpointInfo.describe(net)
    calibration, _ = labelled_images(data_dir, "train", **info.input_options(),
                                     limit=calibration_images)
    with tempfile.TemporaryDirectory(prefix="lenet5-footprint-") as tmp:
        fp32 = export(net, tmp, "ONNX", name="model", info=info)["model"]
        int8 = quantize_onnx(fp32, os.path.join(tmp, "model-int8.onnx"), calibration)
        table = layers(fp32)
        peak = peak_activation_values(fp32)
        latency = {precision: OnnxModel(path, threads=1).latency_us(runs)
                   for precision, path in (("fp32", fp32), ("int8", int8))}
        files = {"fp32": os.path.getsize(fp32), "int8": os.path.getsize(int8)}
    return {
        "model": label, "input_shape": [1, 1, *net.input_size],
        "layers": [asdict(row) for row in table],
        "params": sum(r.params for r in table), "macs": sum(r.macs for r in table),
        "weight_bytes": {"fp32": sum(r.fp32_bytes for r in table),
                         "int8": sum(r.int8_bytes for r in table)},
        "peak_activation_bytes": {"fp32": 4 * peak, "int8": peak},
        "file_bytes": files,
        "latency_us": {k: round(v, 2) for k, v in latency.items()},
        "latency_runs": runs, "threads": 1,
    }


def layer_markdown(result):
    rows = [[r["name"], r["op"], "x".join(map(str, r["output_shape"])), f"{r['params']:,}",
             f"{r['macs']:,}", f"{r['fp32_bytes']:,}", f"{r['int8_bytes']:,}"]
            for r in result["layers"]]
    rows.append(["total", "", "", f"{result['params']:,}", f"{result['macs']:,}",
                 f"{result['weight_bytes']['fp32']:,}", f"{result['weight_bytes']['int8']:,}"])
    return markdown_table(["layer", "op", "output", "params", "MACs", "fp32 weight B",
                           "int8 weight B"], rows, ["l", "l", "l", "r", "r", "r", "r"])


def summary_markdown(results):
    rows = [[r["model"], f"{r['params']:,}", f"{r['macs']:,}",
             f"{r['weight_bytes']['fp32'] / 1024:.1f} / {r['weight_bytes']['int8'] / 1024:.1f}",
             f"{r['peak_activation_bytes']['fp32'] / 1024:.1f} / "
             f"{r['peak_activation_bytes']['int8'] / 1024:.1f}",
             f"{r['file_bytes']['fp32'] / 1024:.1f} / {r['file_bytes']['int8'] / 1024:.1f}",
             f"{r['latency_us']['fp32']:.1f} / {r['latency_us']['int8']:.1f}"] for r in results]
    return markdown_table(["model", "params", "MACs", "weights KiB fp32 / int8",
                           "peak activations KiB fp32 / int8", "ONNX file KiB fp32 / int8",
                           "latency µs fp32 / int8"], rows)


def add_arguments(p):
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS),
                   help="networks to measure")
    p.add_argument("--ckpt", help="LeNet5 checkpoint to measure (default: initial weights; "
                   "sizes and times do not depend on the values)")
    p.add_argument("--variant", default=None, choices=VARIANTS,
                   help="LeNet5's variant (default: classic, or what --ckpt records)")
    p.add_argument("--num_classes", type=int, default=None,
                   help="override the number of classes --ckpt records")
    p.add_argument("--data_url", default=None, help="data folder: training images calibrate "
                   "the int8 models (default: MNIST/, or the folder of --ckpt's dataset)")
    p.add_argument("--runs", type=int, default=RUNS, help="timed inferences per model")
    p.add_argument("--json", metavar="FILE", help="also write every number to this JSON file")


def run(args):
    if args.runs < 1:
        raise Lenet5Error(f"--runs must be at least 1, got {args.runs}")
    setup_device("CPU", seed=0)
    trained = open_network(args, splits=("train",)) if args.ckpt else None
    data_url = trained[2] if trained else args.data_url or "MNIST/"
    locate_split(data_url, "train")
    results = []
    for name in args.models:
        if name == "lenet5" and trained:
            net, info, _ = trained
        else:
            net, info = build(name, args.variant), None
        result = measure(net, MODELS[name], data_url, args.runs, info=info)
        results.append(result)
        print(f"## {result['model']}: input {'x'.join(map(str, result['input_shape']))}\n")
        print(layer_markdown(result), end="\n\n", flush=True)
    print(summary_markdown(results))
    print(f"\nlatency: median of {args.runs} single-image runs, onnxruntime, 1 thread")
    if args.json:
        write_json(args.json, results)
    return 0
