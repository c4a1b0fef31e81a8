"""The deployment table of docs/DEPLOYMENT.md (and README "Deployment"): accuracy, size, memory
and single-image latency of LeNet5 and the MLP baselines, fp32 vs int8.

For each network: train it with the course recipe on --data_url (the shipped 8,000-image sample
by default), export it to ONNX, quantize it to int8 with `lenet5 quantize`'s method, measure
test accuracy (MindSpore, onnxruntime fp32, onnxruntime int8) on the whole test split, and take
the footprint of `lenet5 footprint` (MACs, weights, peak activations, latency on 1 thread).

    python bench/deployment.py                  # writes docs/DEPLOYMENT.md, ~2 minutes
    python bench/deployment.py --runs 5000 --json deployment.json

Latencies depend on the CPU and on what else runs on it: measure on a quiet machine.
"""
import argparse
import datetime
import os
import platform
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
import lenet5  # noqa: E402
from lenet5.platform.doctor import cpu_model_and_flags  # noqa: E402
from lenet5.deploy.export import export  # noqa: E402
from lenet5.atomic import atomic_path, replace_marked, write_json  # noqa: E402
from lenet5.analysis.predictions import confusion_matrix  # noqa: E402
from lenet5.analysis.tables import markdown_table  # noqa: E402
from lenet5.deploy.footprint import MODELS, build, layer_markdown, measure  # noqa: E402
from lenet5.deploy.quantize import CALIBRATION_IMAGES, quantize_network  # noqa: E402
from lenet5.recipes import RECIPES  # noqa: E402
from lenet5.data import labelled_images  # noqa: E402
from lenet5.deploy.onnx_model import OnnxModel  # noqa: E402

def confusion_markdown(matrix):
    rows = [[str(i)] + [str(v) if v else "." for v in row] for i, row in enumerate(matrix)]
    return markdown_table(["true \\ predicted"] + [str(i) for i in range(len(matrix))], rows)


def optimized_ops(path):
    """The operators onnxruntime actually runs for ``path`` after its graph optimizations."""
    import onnx
    import onnxruntime as ort
    with tempfile.TemporaryDirectory() as tmp:
        options = ort.SessionOptions()
        options.optimized_model_filepath = os.path.join(tmp, "optimized.onnx")
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return [node.op_type for node in onnx.load(options.optimized_model_filepath).graph.node]


def evaluate_model(name, args, recipe, workdir):
    # Seeded per model, as lenet5.analysis.run_trial does: every model starts from the weights
    # lesson 5 gives it, whichever models this run measures before it.
    lenet5.device.seed_everything(args.seed)
    net = build(name)
    train_set = lenet5.create_dataset(args.data_url, "train", batch_size=recipe.batch_size,
                                      resize=net.input_size)
    start = time.perf_counter()
    lenet5.train(net, train_set, recipe, display=False)
    train_seconds = time.perf_counter() - start
    test_set = lenet5.create_dataset(args.data_url, "test", batch_size=500, resize=net.input_size)
    mindspore_accuracy = lenet5.evaluate(net, test_set)["accuracy"]
    out = os.path.join(workdir, name)
    report = quantize_network(net, out, args.data_url, name=name)
    images, labels = labelled_images(args.data_url, "test", net.input_size)
    int8_path = os.path.join(out, f"{name}-int8.onnx")
    int8 = OnnxModel(int8_path)(images).argmax(1)
    fp32_path = export(net, os.path.join(out, "fp32"), "ONNX", name=name)["model"]
    footprint = measure(net, MODELS[name], args.data_url, args.runs, CALIBRATION_IMAGES)
    print(f"{MODELS[name]}: MindSpore {mindspore_accuracy:.2%}, onnxruntime fp32 "
          f"{report['fp32_accuracy']:.2%}, int8 {report['int8_accuracy']:.2%}, latency "
          f"{footprint['latency_us']['fp32']:.1f} / {footprint['latency_us']['int8']:.1f} µs",
          flush=True)
    return {"name": MODELS[name], "train_seconds": round(train_seconds, 1),
            "mindspore_accuracy": mindspore_accuracy, "quantization": report,
            "footprint": footprint, "int8_confusion": confusion_matrix(labels, int8).tolist(),
            "runtime_ops": {"fp32": optimized_ops(fp32_path), "int8": optimized_ops(int8_path)}}


def summary_table(results):
    rows = []
    for r in results:
        q, f = r["quantization"], r["footprint"]
        rows.append([
            r["name"], f"{f['params']:,}", f"{f['macs']:,}",
            f"{r['mindspore_accuracy']:.2%}", f"{q['fp32_accuracy']:.2%}",
            f"{q['int8_accuracy']:.2%}", str(q["changed_predictions"]),
            f"{q['fp32_bytes'] / 1024:.1f}", f"{q['int8_bytes'] / 1024:.1f} ({q['size_ratio']:.0%})",
            f"{f['peak_activation_bytes']['fp32'] / 1024:.1f} / "
            f"{f['peak_activation_bytes']['int8'] / 1024:.1f}",
            f"{f['latency_us']['fp32']:.1f}", f"{f['latency_us']['int8']:.1f}"])
    return markdown_table(
        ["model", "params", "MACs", "MindSpore fp32", "ORT fp32", "ORT int8",
         "changed by int8", "fp32 KiB", "int8 KiB", "peak act. KiB fp32 / int8",
         "fp32 µs", "int8 µs"], rows)


def document(results, args, recipe, num_test, machine):
    lenet = next(r for r in results if r["name"] == "LeNet5")
    q = lenet["quantization"]
    latency = lenet["footprint"]["latency_us"]
    slower = ("" if latency["int8"] <= latency["fp32"] else
              "\nThe int8 file does run on integer kernels, so its higher latency here is the "
              "speed of onnxruntime's int8 convolutions on tensors this small on this CPU, not a "
              "missed fusion. Measure on the target device before choosing int8 for speed; its "
              "size and memory gains hold everywhere.\n")
    return f"""# Deployment: accuracy, size, memory and speed

Written by `python bench/deployment.py` on {machine['date']}: every accuracy, size and time on
this page was measured by that run, on {machine['cpu']} with {machine['cores']} usable cores
(load average {machine['load']:.2f} over the minute before it started: about that many cores were
busy with other work). Latencies depend on the CPU and on what else runs on it: re-run the
script on your target device before comparing them with anything.

How the numbers were made:

* Training: the course recipe ({recipe.epochs} epochs, batch {recipe.batch_size}, Momentum
  {recipe.momentum}, lr {recipe.lr}, seed {args.seed}) on `{args.data_url}`. LeNet5 reads
  32x32 images, the MLPs MNIST's native 28x28; both get the same normalisation.
* int8: exactly what `lenet5 quantize` does: onnxruntime static quantization, QDQ format,
  int8 weights with one scale per output channel, uint8 activations, MinMax ranges measured on
  {CALIBRATION_IMAGES} training images.
* Accuracy: all {num_test:,} images of the test split.
* Latency: median of {args.runs:,} single-image inferences in onnxruntime
  {machine['onnxruntime']} on **one thread**, after warm-up.
* Peak activations: the most values alive at once for one image when the layers run in order,
  freeing dead buffers and applying ReLU in place; 4 bytes a value in fp32, 1 in int8.

## Summary

{summary_table(results)}

MindSpore fp32: the trained network in MindSpore {machine['mindspore']}. ORT: onnxruntime on the
exported file. Changed by int8: test images whose predicted class differs between the fp32 and
int8 files. KiB: size of the .onnx file.

What onnxruntime runs for LeNet5 after its graph optimizations (its optimized graph, read back):

* fp32: {' → '.join(lenet['runtime_ops']['fp32'])}
* int8: {' → '.join(lenet['runtime_ops']['int8'])}
{slower}
## LeNet5, layer by layer

Input 1x1x32x32. int8 weight bytes count 1 byte per weight and 4 per (int32) bias;
quantization scales are not counted. `lenet5 footprint` prints this table for every model.

{layer_markdown(lenet['footprint'])}

## LeNet5 int8 on the test split: confusion matrix

int8 {q['int8_accuracy']:.2%} right, fp32 {q['fp32_accuracy']:.2%};
{q['changed_predictions']} of {num_test:,} predictions changed by quantization.

{confusion_markdown(np.array(lenet['int8_confusion']))}

## Quantization-aware training with MindSpore Golden Stick

Not offered, because it does not run here (checked by hand with `bench/golden_stick_qat.py`,
not by this script). `mindspore-gs` 1.4.1, the newest on PyPI, pins `mindspore==2.7.1.post1`
and `numpy<2`: installing it would move MindSpore to that build, inside the course's supported
range (2.7.1 to 2.10) but not the 2.10 measured here. Installed beside it
without its dependencies, its `SimulatedQuantizationAwareTraining` rewrites LeNet5, but the
first training step fails on CPU with `Unsupported op [MinMaxUpdatePerLayer] on CPU` (its
documentation lists GPU only). Post-training quantization above already keeps int8 accuracy
within {abs(q['accuracy_drop_points']):.2f} points of fp32.

## Reproduce

    python main.py --train_url outputs/                       # train LeNet5
    lenet5 export --ckpt outputs/lenet5.ckpt --format ONNX --out export/
    lenet5 quantize --ckpt outputs/lenet5.ckpt --out export-int8/
    lenet5 footprint --ckpt outputs/lenet5.ckpt               # the per-layer tables
    python bench/deployment.py                                 # this page
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data_url", default=os.path.join(ROOT, "MNIST"))
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--runs", type=int, default=2000, help="timed single-image inferences")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=os.path.normpath(os.path.join(ROOT, "docs", "DEPLOYMENT.md")))
    p.add_argument("--json", help="also write every number to this JSON file")
    args = p.parse_args()
    import mindspore as ms
    import onnxruntime
    load = os.getloadavg()[0]
    lenet5.setup_device("CPU", seed=args.seed)
    recipe = RECIPES["course"]
    with tempfile.TemporaryDirectory(prefix="lenet5-deployment-") as workdir:
        results = [evaluate_model(name, args, recipe, workdir) for name in args.models]
    machine = {"date": datetime.date.today().isoformat(), "cpu": cpu_model_and_flags()[0],
               "cores": lenet5.device.usable_cores(), "onnxruntime": onnxruntime.__version__,
               "mindspore": ms.__version__, "python": platform.python_version(), "load": load}
    num_test = results[0]["quantization"]["test_images"]
    args.data_url = os.path.relpath(args.data_url, ROOT) + "/" \
        if os.path.abspath(args.data_url).startswith(os.path.abspath(ROOT)) else args.data_url
    with atomic_path(args.out) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(document(results, args, recipe, num_test, machine))
    print(f"wrote {args.out}")
    if replace_marked(os.path.join(ROOT, "README.md"), "deployment-table",
                      summary_table(results)):
        print("updated the table in README.md")
    if args.json:
        write_json(args.json, {"machine": machine, "results": results})


if __name__ == "__main__":
    main()
