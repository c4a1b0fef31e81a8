"""Where LeNet5's evaluation time goes in MindSpore on this CPU, and what each way of running it
costs.

Three tables, each figure the fastest of ``--runs`` interleaved runs (the run least disturbed
by other programs; the machine is shared):

* the whole test set (10,000 images at the default): one pass of the input pipeline alone,
  MindSpore's ``Model.eval`` batch by batch (what ``lenet5.evaluate`` did until 2026-11-30,
  there with a short thread-layout probe of its own), and ``lenet5.evaluate`` today, its first
  pass (the pipeline and the compilation included) and a second one; a new network each run,
  nothing trained before, so evaluation leaves MindSpore's threads where the scheduler puts them;
* one forward pass over a chunk of ``lenet5.inference.CHUNK`` images in the split layout, layer
  by layer, and the whole network in the ways tried to make it faster (each checked bit for bit
  against the network's outputs);
* the whole network over 10,000 images in chunks of at most 256 to 4096 images, in the split
  layout (why ``lenet5.inference.CHUNK``; ``chunk_size`` splits the images into equal chunks).

``--doc`` puts the tables in docs/CPU_SPEED.md (between its eval-profile markers), ``--json
FILE`` keeps every run.

    python bench/eval_profile.py --runs 3 --doc --json docs/results/eval_profile.json
"""
import argparse
import datetime
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
import lenet5  # noqa: E402  (sets the CPU defaults before MindSpore starts)
from lenet5 import inference  # noqa: E402
from lenet5.analysis.tables import markdown_table  # noqa: E402
from lenet5.atomic import replace_marked, write_json  # noqa: E402
from lenet5.errors import Lenet5Error  # noqa: E402
from lenet5.platform import threads  # noqa: E402

DOC = os.path.join(ROOT, "docs", "CPU_SPEED.md")
CHUNKS = (256, 512, 1024, 2048, 4096)
CHUNK = inference.CHUNK


def seconds(fn, repeats=1):
    """The median wall seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole_test_set(net, data_url):
    """{name: (label, seconds)} for one pass over the test set, each way."""
    from mindspore.train import Model
    from lenet5.train import loss_fn, metrics

    def pipeline(batch):
        data = lenet5.create_dataset(data_url, "test", batch_size=batch)
        return lambda: sum(1 for _ in data.create_tuple_iterator(num_epochs=1,
                                                                  output_numpy=True))

    def model_eval(batch):
        data = lenet5.create_dataset(data_url, "test", batch_size=batch)
        model = Model(net, loss_fn(net), metrics=metrics())
        model.eval(data, dataset_sink_mode=False)  # compiles for this batch shape
        return lambda: model.eval(data, dataset_sink_mode=False)

    timed = {
        "pipeline 32": ("input pipeline alone, batch 32", pipeline(32)),
        "model_eval 32": ("`Model.eval`, batch 32 (pipeline included)", model_eval(32)),
        "model_eval 1000": ("`Model.eval`, batch 1000 (pipeline included)", model_eval(1000)),
    }
    out = {name: (label, seconds(fn)) for name, (label, fn) in timed.items()}
    data = lenet5.create_dataset(data_url, "test", batch_size=32)
    out["evaluate first"] = ("`lenet5.evaluate`, batch 32, first pass (pipeline and compilation "
                             "included)",
                             seconds(lambda: lenet5.evaluate(net, data)))
    out["evaluate again"] = ("`lenet5.evaluate`, batch 32, second pass (arrays kept)",
                             seconds(lambda: lenet5.evaluate(net, data)))
    return out, len(inference.dataset_arrays(data)[0])


def cells(net):
    """{name: (label, cell, input shape)}: the layers of one forward pass and the whole-network
    variants tried, for a chunk of 1024 images."""
    import mindspore.nn as nn
    import mindspore.ops as ops
    from lenet5.model import inference_cell

    class Relu(nn.Cell):
        def construct(self, x):
            return ops.relu(x)

    class Dense(nn.Cell):
        def __init__(self, n):
            super().__init__()
            self.n = n

        def construct(self, x):
            return self.n.fc3(ops.relu(self.n.fc2(ops.relu(self.n.fc1(x)))))

    class AdaptivePool(nn.Cell):  # the pool of training (lenet5.model.MaxPool2d)
        def __init__(self, n):
            super().__init__()
            self.n = n

        def construct(self, x):
            n = self.n
            x = ops.adaptive_max_pool2d(ops.relu(n.conv1(x)), (14, 14))
            x = ops.flatten(ops.adaptive_max_pool2d(ops.relu(n.conv2(x)), (5, 5)))
            return n.fc3(ops.relu(n.fc2(ops.relu(n.fc1(x)))))

    class ReshapeMax(nn.Cell):  # 2x2 blocks by reshape, then max over them
        def __init__(self, n):
            super().__init__()
            self.n = n

        def construct(self, x):
            n = self.n
            x = ops.relu(n.conv1(x)).reshape(-1, 6, 14, 2, 14, 2).max(axis=5).max(axis=3)
            x = ops.relu(n.conv2(x)).reshape(-1, 16, 5, 2, 5, 2).max(axis=5).max(axis=3)
            return n.fc3(ops.relu(n.fc2(ops.relu(n.fc1(ops.flatten(x))))))

    c = CHUNK
    return {
        "conv1": ("conv1 (1 -> 6, 5x5)", net.conv1, (c, 1, 32, 32)),
        "relu1": ("ReLU after conv1", Relu(), (c, 6, 28, 28)),
        "pool1": ("max-pool 28 -> 14 (`MaxPool`)", net.pool, (c, 6, 28, 28)),
        "conv2": ("conv2 (6 -> 16, 5x5)", net.conv2, (c, 6, 14, 14)),
        "relu2": ("ReLU after conv2", Relu(), (c, 16, 10, 10)),
        "pool2": ("max-pool 10 -> 5 (`MaxPool`)", net.pool, (c, 16, 10, 10)),
        "dense": ("the three dense layers", Dense(net), (c, 400)),
        "net": ("the whole network in the course's order: conv, ReLU, `MaxPool`", net,
                (c, 1, 32, 32)),
        "pool then relu": ("**the whole network, max-pool before ReLU (`PoolBeforeReLU`: what "
                           "`lenet5.evaluate` runs)**", inference_cell(net), (c, 1, 32, 32)),
        "adaptive": ("the whole network, `AdaptiveMaxPool2D` (training's pool)",
                     AdaptivePool(net), (c, 1, 32, 32)),
        "reshape": ("the whole network, pool as reshape + max", ReshapeMax(net), (c, 1, 32, 32)),
    }


VARIANTS = ("pool then relu", "adaptive", "reshape")  # compared with the network's outputs


def one_chunk(net, repeats):
    """{name: (label, ms per call)}, and {variant: whether it gives the network's outputs}."""
    import mindspore as ms
    import numpy as np
    out, outputs = {}, {}
    for name, (label, cell, shape) in cells(net).items():
        cell.set_train(False)
        x = ms.Tensor(np.random.default_rng(1).standard_normal(shape).astype(np.float32))
        outputs[name] = cell(x).asnumpy()  # compiles
        out[name] = (label, seconds(lambda: cell(x).asnumpy(), repeats) * 1e3)
    return out, {v: bool(np.array_equal(outputs[v], outputs["net"])) for v in VARIANTS}


def chunk_sizes(net):
    """{chunk: images per second} of ``inference.logits`` over 10,000 images, at most ``chunk``
    images per forward pass."""
    import numpy as np
    images = np.random.default_rng(2).standard_normal((10000, 1, 32, 32)).astype(np.float32)
    out = {}
    for chunk in CHUNKS:
        # in the split layout, as after a training on a quiet machine (no probe at 256)
        threads._MEMORY["chosen"] = (threads.fixed_layout("split", os.sched_getaffinity(0)),
                                     time.monotonic())
        inference.logits(net, images, chunk=chunk)  # compiles
        out[chunk] = len(images) / seconds(lambda: inference.logits(net, images, chunk=chunk))
    return out


def fastest(runs, key):
    """Per name, the fastest of the runs (ms or seconds: the least; images/s: the most)."""
    names = runs[0][key].keys()
    if key == "chunks":
        return {n: max(r[key][n] for r in runs) for n in names}
    return {n: (runs[0][key][n][0], min(r[key][n][1] for r in runs)) for n in names}


def summary(runs, images):
    """The figures the docs quote (flat, with plain keys): images/s of each way over the test
    set, and milliseconds per chunk of the layers and variants."""
    test, layers = fastest(runs, "test_set"), fastest(runs, "chunk")
    out = {f"{name.replace(' ', '_')}_images_per_s": images / s for name, (_, s) in test.items()}
    out.update({f"{name.replace(' ', '_')}_ms": ms_ for name, (_, ms_) in layers.items()})
    out["chunk_images_per_s"] = images_per_s = fastest(runs, "chunks")
    out["best_chunk"] = max(images_per_s, key=images_per_s.get)
    out["second_pass_vs_model_eval_32"] = (out["evaluate_again_images_per_s"]
                                           / out["model_eval_32_images_per_s"])
    return out


def report(runs, images, started, load, args):
    test = fastest(runs, "test_set")
    layers = fastest(runs, "chunk")
    chunks = fastest(runs, "chunks")
    same = runs[0]["same"]
    head = (f"Measured {started:%Y-%m-%d %H:%M} UTC with `python bench/eval_profile.py --runs "
            f"{args.runs}` ({lenet5.device.usable_cores()} usable cores, load average "
            f"{load:.1f} before the run; MindSpore, GRAPH mode, a freshly initialised LeNet5: "
            "the speed does not depend on the weights; nothing trained before, so evaluation "
            "leaves MindSpore's threads where the scheduler puts them; the other two tables in "
            "the split layout). Each figure is the fastest of "
            f"{args.runs} interleaved runs (the rows of a table may come from different runs)."
            "\n\n")
    rows = [[label, f"{s:.3f}", f"{images / s:,.0f}"] for label, s in test.values()]
    t1 = markdown_table([f"the {images:,} test images of {args.data_url}", "seconds",
                         "images/s"], rows)
    rows = [[label + ("" if name not in same else
                      " (same outputs)" if same[name] else " (**different outputs**)"),
             f"{ms_:.2f}"] for name, (label, ms_) in layers.items()]
    t2 = markdown_table([f"one chunk of {CHUNK} images", f"ms (median of {args.repeats})"],
                        rows)
    t3 = markdown_table(["at most (images per forward pass)", "chunks of", "images/s over "
                         "10,000 images"],
                        [[f"{c:,}", f"{inference.chunk_size(10000, c):,}", f"{v:,.0f}"]
                         for c, v in chunks.items()])
    return head + t1 + "\n\n" + t2 + "\n\n" + t3 + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data_url", default="/usr/share/datasets/fashion-mnist",
                   help="an MNIST-shaped data folder (its test split is evaluated)")
    p.add_argument("--runs", type=int, default=3, help="interleaved runs; the fastest counts")
    p.add_argument("--repeats", type=int, default=20, help="calls per layer measurement")
    p.add_argument("--doc", action="store_true", help="also put the tables in docs/CPU_SPEED.md")
    p.add_argument("--json", help="also write every run here")
    args = p.parse_args(argv)
    try:
        if args.runs < 1 or args.repeats < 1:
            raise Lenet5Error("--runs and --repeats must be at least 1")
        lenet5.locate_split(args.data_url, "test")
    except Lenet5Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    started, load = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()[0]
    lenet5.setup_device("CPU", seed=1)
    runs = []
    for run in range(args.runs):
        net = lenet5.LeNet5()  # new each run: every first pass compiles
        threads._MEMORY["chosen"] = None  # no layout carried over from the run before
        test_set, images = whole_test_set(net, args.data_url)
        # The cells alone in the split layout, as lenet5.train places MindSpore's threads on a
        # quiet machine (left to the scheduler, they swing between fast and slow on two cores).
        placement = threads.ThreadPlacement()
        placement.apply(threads.fixed_layout("split", os.sched_getaffinity(0)))
        try:
            chunk, same = one_chunk(net, args.repeats)
        finally:
            placement.restore()
        runs.append({"test_set": test_set, "chunk": chunk, "same": same,
                     "chunks": chunk_sizes(net)})
        print(f"run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    text = report(runs, images, started, load, args)
    print(text)
    if args.json:
        write_json(args.json, {"measured": f"{started:%Y-%m-%d %H:%M} UTC", "runs": runs,
                               "load_average": load, "images": images,
                               "cores": lenet5.device.usable_cores(),
                               "fastest": {k: fastest(runs, k)
                                           for k in ("test_set", "chunk", "chunks")},
                               "summary": summary(runs, images)})
    if args.doc and not replace_marked(DOC, "eval-profile", text):
        print(f"note: no eval-profile markers in {DOC}: tables not written there",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
