"""Exporting a trained LeNet5 for deployment: MINDIR, ONNX or AIR, each with a sidecar JSON
that says how to feed it, and (ONNX) test vectors laid out as the ONNX Model Zoo ships them.

    lenet5 export --ckpt outputs/lenet5.ckpt --format ONNX --out export/
    -> export/lenet5.onnx, export/lenet5.onnx.json,
       export/test_data_set_0/input_0.pb, output_0.pb  (ONNX TensorProtos)

Every export is checked before anything is written: the ONNX file passes ``onnx.checker`` and
onnxruntime's outputs match MindSpore's; a MINDIR file is reloaded as an ``nn.GraphCell`` and
must match too.
"""
import copy
import glob
import json
import os
import shutil
import tempfile

import mindspore as ms
import numpy as np
import onnx
from onnx import numpy_helper

from .. import __version__
from ..atomic import atomic_path, write_json
from ..checkpoint import CheckpointInfo, open_checkpoint
from ..checksums import file_digest
from ..data import default_folder, labelled_images, locate_split, manifest
from ..data.pipeline import IMAGE_SIZE
from ..device import is_available, setup_device
from ..errors import DataError, Lenet5Error
from ..model import VARIANTS
from .onnx_model import OnnxModel

FORMATS = {"MINDIR": ".mindir", "ONNX": ".onnx", "AIR": ".air"}
INPUT_NAME, OUTPUT_NAME = "image", "logits"  # names in the ONNX graph (MindSpore's: x and 12)
TOLERANCE = 1e-4  # largest |exported - MindSpore| accepted on a logit
CHECK_IMAGES = 100  # test images the exported model is checked on before it is written
OUTPUT_MEANING = {"lenet1998": "logits: minus the squared distance to each class's RBF code; "
                               "the largest is the answer, softmax gives class probabilities"}


class ExportError(Lenet5Error):
    """A model that cannot be exported in the format asked for, here."""


def preprocessing(info):
    """How to turn an image into the network's input (``info``: the checkpoint's record), for
    the sidecar and the ONNX metadata."""
    if info.fit == "pad":  # lenet1998: a border of background, as LeCun et al. fed LeNet-5
        height, width = info.input_size
        fit = {"pad": {"size": [height, width], "value": 0,
                       "top_left": [(height - IMAGE_SIZE) // 2, (width - IMAGE_SIZE) // 2]}}
    else:
        fit = {"resize": list(info.input_size),
               "interpolation": "bilinear (mindspore.dataset.vision.Resize)"}
    return {
        "source": "28x28 uint8 image, white ink on black; a digit scaled into a 20x20 box and "
                  "centred by centre of mass (lenet5.deploy.mnist_digit makes one from any "
                  "image)",
        "fit": info.fit, **fit,
        "scale": 1 / 255, "mean": info.mean, "std": info.std,
        "formula": f"x = ({info.fit}(pixel) / 255 - mean) / std, laid out NCHW as float32",
    }


def sidecar(model_path, fmt, input_shape, info, input_name, output_name, ckpt=None,
            opset=None, **extra):
    """The sidecar JSON of an exported model: everything a deployment needs to feed it and
    read its answer (``info``: the checkpoint's record)."""
    sidecar = {
        "model": os.path.basename(model_path), "format": fmt,
        "sha256": file_digest(model_path), "bytes": os.path.getsize(model_path),
        "input": {"name": input_name, "shape": list(input_shape), "dtype": "float32",
                  "layout": "NCHW"},
        "output": {"name": output_name, "shape": [input_shape[0], info.num_classes],
                   "dtype": "float32", "meaning": OUTPUT_MEANING.get(
                       info.variant, "logits: softmax gives class probabilities")},
        "preprocessing": preprocessing(info),
        "dataset": info.dataset,
        "class_names": list(info.classes),
        "created_with": {"lenet5": __version__, "mindspore": ms.__version__},
    }
    if opset is not None:
        sidecar["opset"] = opset
    if ckpt:
        sidecar["source_checkpoint"] = {"path": os.fspath(ckpt), "sha256": file_digest(ckpt)}
    sidecar.update(extra)
    return sidecar


def sidecar_path(model_path):
    return os.fspath(model_path) + ".json"


def opset_of(model):
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def _rename(graph, old, new):
    for node in graph.node:
        node.input[:] = [new if n == old else n for n in node.input]
        node.output[:] = [new if n == old else n for n in node.output]
    for value in list(graph.input) + list(graph.output):
        if value.name == old:
            value.name = new


def describe_onnx(model, info):
    """Write ``info`` (the checkpoint's record) into an ONNX model's metadata: the
    preprocessing, the class names and the whole record, which
    :class:`~lenet5.deploy.OnnxModel` reads back (``.info``)."""
    onnx.helper.set_model_props(model, {
        "preprocessing": json.dumps(preprocessing(info)),
        "class_names": json.dumps(list(info.classes)),
        **info.entry()})
    model.doc_string = f"LeNet5 trained on {info.dataset} with MindSpore (lenet5-course)"
    return model


def polish_onnx(path, info):
    """Give MindSpore's ONNX graph readable input/output names and self-describing metadata,
    then run ``onnx.checker``. Returns the model (an onnx.ModelProto)."""
    model = onnx.load(path)
    _rename(model.graph, model.graph.input[0].name, INPUT_NAME)
    _rename(model.graph, model.graph.output[0].name, OUTPUT_NAME)
    describe_onnx(model, info)
    onnx.checker.check_model(model, full_check=True)
    return model


def write_test_vectors(folder, inputs, outputs, input_name=INPUT_NAME, output_name=OUTPUT_NAME):
    """``folder``/test_data_set_0/input_0.pb and output_0.pb, as ONNX TensorProtos."""
    target = os.path.join(folder, "test_data_set_0")
    for kind, array, name in (("input", inputs, input_name), ("output", outputs, output_name)):
        with atomic_path(os.path.join(target, f"{kind}_0.pb")) as tmp, open(tmp, "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(array), name=name).SerializeToString())
    return target


def read_test_vectors(folder):
    """``[(inputs, outputs)]``, each a {name: array}, from every ``test_data_set_*`` in ``folder``."""
    def tensors(files):
        protos = []
        for file in sorted(files):
            proto = onnx.TensorProto()
            with open(file, "rb") as f:
                proto.ParseFromString(f.read())
            protos.append(proto)
        return {p.name: numpy_helper.to_array(p) for p in protos}

    return [(tensors(glob.glob(os.path.join(d, "input_*.pb"))),
             tensors(glob.glob(os.path.join(d, "output_*.pb"))))
            for d in sorted(glob.glob(os.path.join(folder, "test_data_set_*")))]


def check_format(fmt):
    """The format in capitals; AIR only where an Ascend NPU can be used."""
    fmt = str(fmt).upper()
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "AIR":
        if not is_available("Ascend"):
            raise ExportError("AIR export needs an Ascend NPU with the CANN toolkit (MindSpore "
                              "writes AIR only on its Ascend backend); on this machine use "
                              "--format MINDIR or ONNX")
    return fmt


def reference_images(data_dir, count, info):
    """The first ``count`` test images, normalised: inputs of the checks and test vectors."""
    if data_dir is None:  # no data at hand: random inputs still exercise every weight
        return np.random.default_rng(0).standard_normal((count, 1, *info.input_size), np.float32)
    images, _ = labelled_images(data_dir, "test", **info.input_options())
    return images[:count]


def export(net, out_dir, fmt="ONNX", batch=1, name="lenet5", ckpt=None, data_dir=None,
           info=None):
    """Export ``net`` to ``out_dir``/``name``.<ext> with its sidecar (and, for ONNX, test
    vectors made of the first ``batch`` test images of ``data_dir``). ``info``: the
    checkpoint's record (default: ``net`` trained on MNIST), written into the sidecar and the
    ONNX metadata.

    Returns ``{"model", "sidecar", "max_abs_diff", ...}``. Nothing is written unless the
    exported model reproduces MindSpore's outputs within :data:`TOLERANCE`.
    """
    info = info or CheckpointInfo.describe(net)
    fmt = check_format(fmt)
    if batch < 1:
        raise ExportError(f"batch size must be at least 1, got {batch}")
    input_shape = (batch, 1, *net.input_size)
    images = reference_images(data_dir, max(batch, CHECK_IMAGES), info)
    if len(images) < batch:
        raise ExportError(f"batch size {batch} is larger than the test split ({len(images)})")
    expected = np.concatenate([net(ms.Tensor(images[i:i + 50])).asnumpy()
                               for i in range(0, len(images), 50)])
    with tempfile.TemporaryDirectory(prefix="lenet5-export-") as tmp:
        base = os.path.join(tmp, name)
        # A copy: MindSpore 2.10 reuses the graph it compiled for an earlier ONNX export of the
        # same Cell, which then fails ("i: 3 out of range"); a copy is compiled afresh.
        inference = copy.deepcopy(net)
        inference.set_train(False)  # the inference graph: LeNet5 trains its pooling differently
        ms.export(inference, ms.Tensor(np.zeros(input_shape, np.float32)),
                  file_name=base, file_format=fmt)
        made = base + FORMATS[fmt]
        opset, names = None, (INPUT_NAME, OUTPUT_NAME)
        if fmt == "ONNX":
            model = polish_onnx(made, info)
            opset = opset_of(model)
            made = base + ".checked.onnx"
            onnx.save(model, made)
            got = OnnxModel(made)(images)
        elif fmt == "MINDIR":
            graph = ms.nn.GraphCell(ms.load(made))
            got = np.concatenate([graph(ms.Tensor(images[i:i + batch])).asnumpy()
                                  for i in range(0, len(images) - batch + 1, batch)])
            names = ("x", OUTPUT_NAME)  # MINDIR keeps the name of LeNet5.construct's argument
        else:  # AIR cannot be run here; Ascend's ATC converts it into an offline model
            got = expected
        diff = float(np.abs(got - expected[:len(got)]).max())
        if not diff <= TOLERANCE:
            raise ExportError(f"the exported {fmt} model gives outputs {diff:.2g} away from "
                              f"MindSpore's (tolerance {TOLERANCE}): not written")
        path = os.path.join(out_dir, name + FORMATS[fmt])
        with atomic_path(path) as final:
            shutil.copyfile(made, final)
    write_json(sidecar_path(path), sidecar(
        path, fmt, input_shape, info, *names, ckpt=ckpt, opset=opset,
        network={"name": type(net).__name__, "variant": getattr(net, "variant", None)},
        checked={"images": len(got), "max_abs_diff": diff}))
    result = {"model": path, "sidecar": sidecar_path(path), "max_abs_diff": diff,
              "checked_images": len(got)}
    if fmt == "ONNX" and data_dir is not None:
        result["test_data"] = write_test_vectors(out_dir, images[:batch], expected[:batch])
    return result


def add_network_arguments(p, data_help):
    """The checkpoint, its data folder and overrides of its record: shared by export,
    quantize and footprint."""
    p.add_argument("--ckpt", required=True, help="LeNet5 checkpoint (main.py writes "
                   "outputs/lenet5.ckpt); it records its variant, classes and normalisation")
    p.add_argument("--data_url", default=None, help=f"{data_help} (default: where main.py keeps "
                   "the checkpoint's dataset: MNIST/ for mnist, data/DATASET/ otherwise)")
    p.add_argument("--variant", default=None, choices=VARIANTS, help="override the variant the "
                   "checkpoint records (old checkpoints without a record: classic)")
    p.add_argument("--num_classes", type=int, default=None, help="override the number of "
                   "classes the checkpoint records")


def open_network(args, splits=("test",)):
    """``(net, info, data_url)`` for a command's ``--ckpt``, ``--variant``, ``--num_classes``
    and ``--data_url``: a data folder given is checked first (its ``splits``), then the
    checkpoint is read, then the folder must hold the checkpoint's dataset."""
    for split in splits if args.data_url else ():
        locate_split(args.data_url, split)
    net, info = open_checkpoint(args.ckpt, args.variant, args.num_classes)
    data_url = args.data_url or default_folder(info.dataset)
    for split in splits:
        try:
            locate_split(data_url, split)
        except DataError as e:
            if args.data_url:
                raise
            raise DataError(f"{args.ckpt} was trained on {info.dataset}, which is not in "
                            f"{data_url} ({e}); pass --data_url FOLDER holding it") from None
    manifest.check_dataset(info.dataset, data_url)
    return net, info, data_url


def add_arguments(p):
    add_network_arguments(p, "data folder: its first test images check the export and make "
                             "the test vectors")
    p.add_argument("--format", default="ONNX", type=str.upper, metavar="{MINDIR,ONNX,AIR}",
                   help="MINDIR (MindSpore Lite, serving), ONNX (onnxruntime and others), "
                        "AIR (Ascend only)")
    p.add_argument("--out", default="export/", help="folder for the model, its sidecar JSON and "
                   "test_data_set_0/")
    p.add_argument("--batch", type=int, default=1, help="batch size fixed in the exported model")
    p.add_argument("--name", default="lenet5", help="file name of the model, without extension")


def run(args):
    fmt = check_format(args.format)
    if args.batch < 1:
        raise ExportError(f"--batch must be at least 1, got {args.batch}")
    setup_device("Ascend" if fmt == "AIR" else "CPU")
    net, info, data_url = open_network(args)
    result = export(net, args.out, fmt, args.batch, args.name, args.ckpt, data_url, info)
    print(f"exported {result['model']} ({os.path.getsize(result['model']):,} bytes), sidecar "
          f"{result['sidecar']}; outputs match MindSpore within {result['max_abs_diff']:.1e} on "
          f"{result['checked_images']} test images")
    if "test_data" in result:
        print(f"test vectors: {result['test_data']}/input_0.pb, output_0.pb")
    return 0
