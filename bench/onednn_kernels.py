"""Which oneDNN kernels a LeNet5 training step runs, and how long each takes: MindSpore vs PyTorch.

Both frameworks run their CPU convolutions (and MindSpore its max-pool) through oneDNN. With
``ONEDNN_VERBOSE=1`` oneDNN logs every kernel it executes with its implementation and time;
this script trains LeNet5 on one fixed batch of 32 in a child process per framework with that
log on, and prints the mean milliseconds per step of each kernel. ``--layout split free`` runs
MindSpore once per thread layout; ``--runs N`` repeats everything N times, interleaved.
``--doc`` puts a table of the convolutions (and the sums of the other kernels) of each one's
fastest run in docs/CPU_SPEED.md, between its onednn-kernels markers; ``--json FILE`` keeps
every kernel of every run.

    python bench/onednn_kernels.py                       # MindSpore, and PyTorch if installed
    python bench/onednn_kernels.py --frameworks mindspore --steps 300
    python bench/onednn_kernels.py --layout free         # MindSpore's threads left unpinned
    python bench/onednn_kernels.py --layout split free --runs 3 --doc \
        --json docs/results/onednn_kernels.json           # docs/CPU_SPEED.md's table
"""
import argparse
import collections
import datetime
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
from lenet5.atomic import replace_marked, write_json  # noqa: E402
from lenet5.platform.threads import usable_cores  # noqa: E402

BATCH = 32
DOC = os.path.join(ROOT, "docs", "CPU_SPEED.md")
DIRECTIONS = {"forward_training": "forward", "backward_data": "backward (data)",
              "backward_weights": "backward (weights)"}


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


def kernel_name(primitive, direction, shape):
    """The table's row for one kernel: each convolution by layer and direction, the other
    kernels summed by primitive."""
    if primitive == "convolution":
        layer = "conv1" if shape.split("_")[1].startswith("ic1oc") else "conv2"
        return f"{layer} {DIRECTIONS.get(direction, direction)}"
    return {"matmul": "dense layers (matmul)", "reorder": "layout reorders"}.get(primitive,
                                                                               primitive)


def run_child(framework, layout, steps):
    """One child's kernels: ``{"ms_per_step", "kernels": [{primitive, impl, ...}]}``, or an
    ``error``."""
    env = dict(os.environ, ONEDNN_VERBOSE="1")
    proc = subprocess.run([sys.executable, __file__, "--child", framework, "--steps", str(steps),
                           "--layout", layout], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    log = proc.stdout.split("== timed steps ==", 1)[-1]
    total = log.strip().splitlines()[-1].strip("= ")
    return {"ms_per_step_logged": float(total.split()[0]),
            "kernels": [{"primitive": p, "impl": i, "direction": d, "shape": sh, "ms": ms}
                        for ms, (p, i, d, sh) in kernel_table(log, steps)]}


def total_ms(run):
    return sum(k["ms"] for k in run["kernels"])


def fastest_runs(runs, columns):
    """{column: its run with the least oneDNN time}: on a shared machine, the run least
    disturbed by other programs."""
    best = {}
    for column in columns:
        done = [r for r in runs if r["column"] == column and "kernels" in r]
        if done:
            best[column] = min(done, key=total_ms)
    return best


def doc_table(runs, columns):
    """Markdown: per kernel row, each column's implementation and ms per step in its fastest
    run."""
    rows, impls, times = [], collections.defaultdict(set), {}
    for column, run in fastest_runs(runs, columns).items():
        for k in run["kernels"]:
            name = kernel_name(k["primitive"], k["direction"], k["shape"])
            times[name, column] = times.get((name, column), 0.0) + k["ms"]
            impls[name, column.split(" ")[0]].add(k["impl"])
            if name not in rows:
                rows.append(name)
        times["total", column] = total_ms(run)
    frameworks = list(dict.fromkeys(c.split(" ")[0] for c in columns))
    header = ["kernel (batch 32)"]
    for framework in frameworks:
        header.append(f"{framework}: oneDNN implementation")
        header += [f"ms{column[len(framework):]}" for column in columns
                   if column.split(" ")[0] == framework]
    order = sorted(rows, key=lambda n: (not n.startswith("conv"), n))
    lines = []
    for name in order + ["total"]:
        cells = ["**all oneDNN kernels of a step**" if name == "total" else name]
        for framework in frameworks:
            names = ", ".join(f"`{i}`" for i in sorted(impls[name, framework]))
            cells.append(names or ("" if name == "total" else "none"))
            cells += [f"{times[name, c]:.2f}" if (name, c) in times else "" for c in columns
                      if c.split(" ")[0] == framework]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(["| " + " | ".join(header) + " |", "|---" * len(header) + "|"] + lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frameworks", default="mindspore,pytorch")
    p.add_argument("--steps", type=int, default=200, help="logged steps, after 20 unlogged")
    p.add_argument("--layout", nargs="+", default=["split"], choices=("split", "pack", "free"),
                   help="where MindSpore's threads run (lenet5.platform.threads; split is what "
                        "lenet5.train picks on a quiet 2-core machine); several: one run each")
    p.add_argument("--runs", type=int, default=1, help="times to run everything, interleaved")
    p.add_argument("--doc", action="store_true", help="also put the table in docs/CPU_SPEED.md")
    p.add_argument("--json", help="also write every kernel of every run here")
    p.add_argument("--child", choices=("mindspore", "pytorch"), help=argparse.SUPPRESS)
    args = p.parse_args()
    run = {"mindspore": mindspore_steps, "pytorch": pytorch_steps}
    if args.child:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        run[args.child](20, args.layout[0])  # compile and warm up before the log that counts
        print("== timed steps ==", flush=True)
        start = time.perf_counter()
        run[args.child](args.steps, args.layout[0])
        print(f"== {(time.perf_counter() - start) / args.steps * 1e3:.2f} ms per step, "
              "with the log on ==", flush=True)
        return 0
    started, load = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()[0]
    columns = [f"MindSpore {layout}" if framework == "mindspore" else "PyTorch"
               for framework in args.frameworks.split(",")
               for layout in (args.layout if framework == "mindspore" else ["-"])]
    runs = []
    for repeat in range(args.runs):
        for column in columns:
            framework = column.split(" ")[0].lower()
            layout = column.split(" ")[1] if framework == "mindspore" else "split"
            result = {"column": column, "repeat": repeat, **run_child(framework, layout,
                                                                      args.steps)}
            runs.append(result)
            if "error" in result:
                print(f"{column}: did not run ({result['error']})\n")
                continue
            print(f"{column}: {result['ms_per_step_logged']:.2f} ms per step, with the log on")
            for k in result["kernels"]:
                print(f"  {k['ms']:7.3f} ms  {k['primitive']:12s} {k['impl']:26s} "
                      f"{k['direction']:17s} {k['shape']}")
            print(f"  {sum(k['ms'] for k in result['kernels']):7.3f} ms per step in oneDNN "
                  "kernels\n", flush=True)
    totals = {c.replace(" ", "_").lower(): [total_ms(r) for r in runs
                                            if r["column"] == c and "kernels" in r]
              for c in columns}
    if args.json:  # low: the fastest run's oneDNN time per step, the one the table shows
        write_json(args.json, {"measured": f"{started:%Y-%m-%d %H:%M} UTC", "load_average": load,
                               "steps": args.steps, "runs": runs,
                               "totals": {c: {"low": min(t), "high": max(t)}
                                          for c, t in totals.items() if t}})
    if args.doc:
        text = (f"Measured {started:%Y-%m-%d %H:%M} UTC with `python bench/onednn_kernels.py "
                f"--layout {' '.join(args.layout)} --runs {args.runs} --doc` "
                f"({usable_cores()} usable cores, load average {load:.1f} before the run; "
                f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', 'AVX2 (lenet5)')}): "
                f"ms per step, mean of {args.steps} steps; of {args.runs} interleaved runs of "
                "each, the fastest (least oneDNN time: the run least disturbed by other "
                "programs).\n\n" + doc_table(runs, columns) + "\n")
        if not replace_marked(DOC, "onednn-kernels", text):
            print(f"note: no onednn-kernels markers in {DOC}: table not written there",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
