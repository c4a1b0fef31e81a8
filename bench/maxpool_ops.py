"""Forward + backward time of the MindSpore operators that can compute LeNet5's 2x2 max-pool.

Each candidate pools ReLU(x) for LeNet5's two pooling shapes (batch 32); the timed function is
the compiled gradient of sum(pool(ReLU(x))), and the same probe without the pool is subtracted.
All candidates compute the same function; docs/CPU_SPEED.md explains the choice. A measurement
is the median of ``--repeats`` calls; ``--runs`` measures every candidate that many times,
interleaved (all candidates once, then again), and the table gives the fastest run (the one
least disturbed by other programs). ``--doc`` puts it in docs/CPU_SPEED.md (between its
maxpool-ops markers), ``--json FILE`` keeps every run and the speed-up of the training path.

    python bench/maxpool_ops.py --runs 5 --doc --json docs/results/maxpool_ops.json
    python bench/maxpool_ops.py --repeats 1000 --runs 1
"""
import argparse
import datetime
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
import lenet5  # noqa: E402
from lenet5.atomic import replace_marked, write_json  # noqa: E402
from lenet5.analysis.tables import markdown_table  # noqa: E402

DOC = os.path.join(ROOT, "docs", "CPU_SPEED.md")
SHAPES = ((32, 6, 28, 28), (32, 16, 10, 10))


def candidates():
    """``{name: cell}``: every way tried to take a 2x2, stride-2 max over NCHW maps."""
    import mindspore.nn as nn
    import mindspore.ops as ops
    from lenet5.model import MaxPool2d

    # MindSpore compiles construct() from its source: one small Cell per candidate.
    class Identity(nn.Cell):
        def construct(self, x):
            return x

    class WithArgmax(nn.Cell):
        def __init__(self):
            super().__init__()
            self.pool = ops.MaxPoolWithArgmax(kernel_size=2, strides=2)

        def construct(self, x):
            return self.pool(x)[0]

    class Depth1MaxPool3D(nn.Cell):
        def __init__(self):
            super().__init__()
            self.pool = ops.MaxPool3D(kernel_size=(1, 2, 2), strides=(1, 2, 2))

        def construct(self, x):
            return self.pool(x.expand_dims(2)).squeeze(2)

    class ReshapeMax(nn.Cell):
        def construct(self, x):
            n, c, h, w = x.shape
            return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))

    class Functional(nn.Cell):
        def construct(self, x):
            return ops.max_pool2d(x, 2, 2)

    # id (a JSON key) -> (the table's label, the cell)
    return {
        "probe": ("none (the probe alone, subtracted from the others)", Identity()),
        "maxpool": ("`nn.MaxPool2d` (MaxPool, oneDNN `simple_nchw`)",
                    nn.MaxPool2d(2, 2)),
        "maxpool_pad": ('`nn.MaxPool2d(pad_mode="pad")` (MaxPool3DWithArgmax)',
                        nn.MaxPool2d(2, 2, pad_mode="pad")),
        "argmax": ("`ops.MaxPoolWithArgmax` (deprecated in 2.10)", WithArgmax()),
        "lenet5": ("`lenet5.model.MaxPool2d` in training (AdaptiveMaxPool2D, **used**)",
                   MaxPool2d(2, 2)),
        "maxpool3d": ("`MaxPool3D` on a depth-1 tensor", Depth1MaxPool3D()),
        "reshape": ("reshape to 2x2 blocks + `max`", ReshapeMax()),
        "functional": ("`ops.max_pool2d` (MaxPoolWithArgmaxV2)", Functional()),
    }


def compiled_gradient(pool, x):
    """The compiled gradient of sum(pool(ReLU(x))), compiled and warmed up on ``x``."""
    import mindspore as ms

    class Probe(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.pool = pool

        def construct(self, x):
            return self.pool(ms.ops.relu(x)).sum()

    probe = Probe()
    probe.set_train(True)
    grad = ms.jit(ms.grad(probe))
    for _ in range(10):  # compile and warm up
        grad(x)
    return grad


def time_ms(grad, x, repeats):
    """The median milliseconds of one call (waiting for its result): the median, not the
    mean, so that a moment when another program takes the core does not count."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        grad(x).asnumpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def measure(repeats, runs):
    """{id: {"label", "ms": [[ms per shape] per run]}}, the probe (id "probe") included."""
    import numpy as np
    import mindspore as ms
    inputs = [ms.Tensor(np.random.default_rng(0).normal(size=s).astype(np.float32))
              for s in SHAPES]
    pools = candidates()
    grads = {name: [compiled_gradient(cell, x) for x in inputs]
             for name, (_, cell) in pools.items()}
    raw = {name: {"label": pools[name][0], "ms": []} for name in pools}
    for run in range(runs):  # interleaved: the host's noise falls on every candidate alike
        for name, fns in grads.items():
            raw[name]["ms"].append([time_ms(fn, x, repeats) for fn, x in zip(fns, inputs)])
            print(f"run {run + 1}: {name} " + " ".join(f"{t:.3f}" for t in raw[name]["ms"][-1]),
                  file=sys.stderr, flush=True)
    return raw


def fastest(results):
    """{id: [ms per shape]}: each candidate's fastest run net of the probe's fastest. On a
    shared machine the fastest run is the one least disturbed by other programs."""
    best = {name: [min(run[i] for run in r["ms"]) for i in range(len(SHAPES))]
            for name, r in results.items()}
    return {name: [t - p for t, p in zip(times, best["probe"])]
            for name, times in best.items() if name != "probe"}


def report(results, repeats, runs, started, load):
    """The Markdown table and the both-layers comparison; the speed-up of the training path."""
    shapes = ["x".join(map(str, s[1:])) + " -> " + "x".join(str(d // 2) for d in s[2:])
              for s in SHAPES]
    best = fastest(results)
    rows = [[results[name]["label"]] + [f"{t:.2f}" for t in times] for name, times in best.items()]
    both = {name: sum(best[name]) for name in ("maxpool", "lenet5")}
    speedup = both["maxpool"] / both["lenet5"]
    text = (f"Measured {started:%Y-%m-%d %H:%M} UTC with `python bench/maxpool_ops.py --runs "
            f"{runs} --repeats {repeats}` ({lenet5.device.usable_cores()} usable cores, load "
            f"average {load:.1f} before the run): ms, forward + backward, batch 32; the median "
            f"of {repeats} calls, the fastest of {runs} interleaved runs, net of the probe's.\n\n"
            + markdown_table(["MindSpore operator"] + shapes, rows)
            + f"\n\nBoth layers together: {both['maxpool']:.2f} ms with `MaxPool`, "
            f"{both['lenet5']:.2f} ms with the adaptive path, {speedup:.1f} times faster.\n")
    return text, speedup


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=300, help="timed calls per measurement")
    p.add_argument("--runs", type=int, default=3, help="measurements of every candidate")
    p.add_argument("--doc", action="store_true", help="also put the table in docs/CPU_SPEED.md")
    p.add_argument("--json", help="also write every run and the speed-up here")
    args = p.parse_args(argv)
    if args.repeats < 1 or args.runs < 1:
        print("error: --repeats and --runs must be at least 1", file=sys.stderr)
        return 2
    started, load = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()[0]
    lenet5.setup_device("CPU", seed=1)
    results = measure(args.repeats, args.runs)
    text, speedup = report(results, args.repeats, args.runs, started, load)
    print(text)
    if args.json:
        write_json(args.json, {"measured": f"{started:%Y-%m-%d %H:%M} UTC",
                               "repeats": args.repeats, "runs": args.runs,
                               "cores": lenet5.device.usable_cores(), "load_average": load,
                               "shapes": [list(s) for s in SHAPES],
                               "candidates": results, "fastest": fastest(results),
                               "speedup": speedup})
    if args.doc and not replace_marked(DOC, "maxpool-ops", text):
        print(f"note: no maxpool-ops markers in {DOC}: table not written there", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
