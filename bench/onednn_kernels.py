"""Which oneDNN kernels a LeNet5 training step runs, and how long each takes: MindSpore vs PyTorch.

Both frameworks run their CPU convolutions (and MindSpore its max-pool) through oneDNN. With
``ONEDNN_VERBOSE=1`` oneDNN logs every kernel it executes with its implementation and time;
this script trains LeNet5 on one fixed batch of 32 in a child process per framework with that
log on, and prints the mean milliseconds per step of each kernel. docs/CPU_SPEED.md reads it.

    python bench/onednn_kernels.py                       # MindSpore, and PyTorch if installed
    python bench/onednn_kernels.py --frameworks mindspore --steps 300
    python bench/onednn_kernels.py --layout free         # MindSpore's threads left unpinned
"""
import argparse
import collections
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
BATCH = 32


def mindspore_steps(steps, layout="split"):
    """Train lenet5's LeNet5 (course recipe's loss and optimizer) for ``steps`` on one batch,
    with MindSpore's threads on ``layout`` (lenet5.platform.threads) from the second step on."""
    import numpy as np
    import lenet5
    import mindspore as ms
    import mindspore.nn as nn
    from lenet5.train import loss_fn
    from lenet5.platform import threads
    lenet5.setup_device("CPU", seed=1)
    net = lenet5.LeNet5()
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss_fn()),
                               nn.Momentum(net.trainable_params(), 0.01, 0.9))
    step.set_train(True)
    rng = np.random.default_rng(0)
    x = ms.Tensor(rng.normal(size=(BATCH, 1, 32, 32)).astype(np.float32))
    y = ms.Tensor(rng.integers(0, 10, BATCH).astype(np.int32))
    for i in range(steps):
        step(x, y).asnumpy()
        if i == 0:
            threads.place(layout)


def pytorch_steps(steps, layout=None):
    """The same with bench/vs_pytorch.py's PyTorch LeNet5, on as many threads as cores."""
    import torch
    from vs_pytorch import torch_lenet5
    from lenet5.device import usable_cores
    torch.set_num_threads(usable_cores())
    torch.manual_seed(1)
    net = torch_lenet5()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(BATCH, 1, 32, 32), torch.randint(0, 10, (BATCH,))
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()


def kernel_table(log, steps):
    """Mean ms per step of each (primitive, implementation, direction, shape) in a verbose log."""
    times = collections.defaultdict(float)
    for line in log.splitlines():
        fields = line.split(",")
        if line.startswith("onednn_verbose") and len(fields) > 8 and fields[3] == "exec":
            times[(fields[5], fields[6], fields[7], fields[-2])] += float(fields[-1])
    return sorted(((ms / steps, key) for key, ms in times.items()), reverse=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frameworks", default="mindspore,pytorch")
    p.add_argument("--steps", type=int, default=200, help="logged steps, after 20 unlogged")
    p.add_argument("--layout", default="split", choices=("split", "pack", "free"),
                   help="where MindSpore's threads run (lenet5.platform.threads; split is what "
                        "lenet5.train picks on a quiet 2-core machine)")
    p.add_argument("--child", choices=("mindspore", "pytorch"), help=argparse.SUPPRESS)
    args = p.parse_args()
    run = {"mindspore": mindspore_steps, "pytorch": pytorch_steps}
    if args.child:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        run[args.child](20, args.layout)  # compile and warm up before the log that counts
        print("== timed steps ==", flush=True)
        start = time.perf_counter()
        run[args.child](args.steps, args.layout)
        print(f"== {(time.perf_counter() - start) / args.steps * 1e3:.2f} ms per step, "
              "with the log on ==", flush=True)
        return
    for framework in args.frameworks.split(","):
        env = dict(os.environ, ONEDNN_VERBOSE="1")
        proc = subprocess.run([sys.executable, __file__, "--child", framework,
                               "--steps", str(args.steps), "--layout", args.layout],
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{framework}: did not run ({proc.stderr.strip().splitlines()[-1]})\n")
            continue
        log = proc.stdout.split("== timed steps ==", 1)[-1]
        total = log.strip().splitlines()[-1].strip("= ")
        print(f"{framework}: {total}")
        table = kernel_table(log, args.steps)
        for ms, (primitive, impl, direction, shape) in table:
            print(f"  {ms:7.3f} ms  {primitive:12s} {impl:26s} {direction:17s} {shape}")
        print(f"  {sum(ms for ms, _ in table):7.3f} ms per step in oneDNN kernels\n")


if __name__ == "__main__":
    main()
