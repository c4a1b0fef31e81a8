"""Forward + backward time of the MindSpore operators that can compute LeNet5's 2x2 max-pool.

Each candidate pools ReLU(x) for LeNet5's two pooling shapes (batch 32); the timed function is
the compiled gradient of sum(pool(ReLU(x))), and the same probe without the pool is subtracted.
All candidates compute the same function; docs/CPU_SPEED.md explains the choice.

    python bench/maxpool_ops.py
    python bench/maxpool_ops.py --repeats 1000
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import lenet5  # noqa: E402
from lenet5.analysis.tables import markdown_table  # noqa: E402

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

    return {
        "none (the probe alone, subtracted from the others)": Identity(),
        "nn.MaxPool2d (MaxPool)": nn.MaxPool2d(2, 2),
        "nn.MaxPool2d(pad_mode='pad') (MaxPool3DWithArgmax)": nn.MaxPool2d(2, 2, pad_mode="pad"),
        "lenet5.model.MaxPool2d, training (AdaptiveMaxPool2D)": MaxPool2d(2, 2),
        "ops.MaxPoolWithArgmax (deprecated)": WithArgmax(),
        "MaxPool3D on a depth-1 tensor": Depth1MaxPool3D(),
        "reshape to 2x2 blocks + max": ReshapeMax(),
        "ops.max_pool2d (MaxPoolWithArgmaxV2)": Functional(),
    }


def time_gradient(pool, x, repeats):
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
    start = time.perf_counter()
    for _ in range(repeats):
        out = grad(x)
    out.asnumpy()
    return (time.perf_counter() - start) / repeats * 1e3


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=300)
    args = p.parse_args()
    import numpy as np
    import mindspore as ms
    lenet5.setup_device("CPU", seed=1)
    inputs = [ms.Tensor(np.random.default_rng(0).normal(size=s).astype(np.float32))
              for s in SHAPES]
    rows, probe_alone = [], None
    for name, pool in candidates().items():
        times = [time_gradient(pool, x, args.repeats) for x in inputs]
        if probe_alone is None:  # the first candidate is the probe without a pool
            probe_alone, shown = times, times
        else:
            shown = [t - b for t, b in zip(times, probe_alone)]
        rows.append([name] + [f"{t:.3f}" for t in shown])
        print(" | ".join(rows[-1]), flush=True)
    print()
    print(markdown_table(["operator (ms, forward + backward, batch 32)"]
                         + ["x".join(map(str, s[1:])) for s in SHAPES], rows))


if __name__ == "__main__":
    main()
