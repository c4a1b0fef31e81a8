"""Training and evaluation speed when other programs use the CPU: each thread layout, quiet and
under load.

A student's laptop is rarely quiet: a browser tab, JupyterLab, a second notebook or `pip install`
keep a core busy. This runs the course recipe on a data folder (the shipped sample by default),
then evaluates its test split, in child processes, each with one thread layout of
``lenet5.setup_device(layout=...)``, while 0, 1 or 2 busy-loop processes that it starts and
stops itself keep cores busy. The runs are interleaved (every layout once per load, then again)
so that the host's own noise falls on all of them alike. PyTorch (same network, recipe and data;
torch threads = usable cores) runs as the reference when it is installed. Prints two Markdown
tables: per load and layout, the median and the range of the epoch times after the first (which
compiles the graph), then of the evaluation, each with its ratio to the quiet median of the same
layout. ``--doc`` puts them in docs/CPU_SPEED.md (between its busy-laptop markers), ``--out
FILE`` keeps them elsewhere, ``--json FILE`` keeps every run.

    python bench/busy_laptop.py --doc --epochs 2                  # about 30 minutes
    python bench/busy_laptop.py --loads 0 1 --layouts auto split --repeats 2
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lenet5  # noqa: E402  (sets the CPU defaults before MindSpore starts)
from lenet5.atomic import atomic_path, replace_marked  # noqa: E402
from lenet5.recipes import RECIPES  # noqa: E402
from lenet5.platform.threads import LAYOUTS, measure_other_load  # noqa: E402

RECIPE = RECIPES["course"]
DOC = os.path.join(ROOT, "docs", "CPU_SPEED.md")
BUSY_LOOP = "while True: pass"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data_url", default=os.path.join(ROOT, "MNIST"))
    p.add_argument("--epochs", type=int, default=3, help="per run; the first is not counted")
    p.add_argument("--repeats", type=int, default=3, help="runs of each layout under each load")
    p.add_argument("--loads", type=int, nargs="+", default=[0, 1, 2],
                   help="busy-loop processes to run beside the training")
    p.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=LAYOUTS)
    p.add_argument("--no-torch", dest="torch", action="store_false",
                   help="skip PyTorch even where it is installed")
    p.add_argument("--timeout", type=float, default=600, help="seconds one run may take")
    p.add_argument("--out", help="also write the Markdown table here")
    p.add_argument("--doc", action="store_true", help="also put it in docs/CPU_SPEED.md")
    p.add_argument("--json", help="also write every run here")
    p.add_argument("--child", help=argparse.SUPPRESS)  # a layout name, or "pytorch"
    return p.parse_args(argv)


def child_mindspore(args):
    """Epoch seconds of the training, and seconds of a second evaluation of the test split (the
    first compiles the evaluation graph)."""
    lenet5.setup_device("CPU", seed=1, layout=args.child)
    dataset = lenet5.create_dataset(args.data_url, split="train", batch_size=RECIPE.batch_size)
    net = lenet5.LeNet5()
    result = lenet5.train(net, dataset, RECIPE.with_overrides(epochs=args.epochs),
                          display=False)
    test = lenet5.create_dataset(args.data_url, split="test", batch_size=RECIPE.batch_size)
    lenet5.evaluate(net, test)
    start = time.perf_counter()
    lenet5.evaluate(net, test)
    return result.epoch_seconds, time.perf_counter() - start


def child_pytorch(args):
    import torch
    from vs_pytorch import torch_lenet5, torch_tensors, torch_train
    torch.manual_seed(1)
    torch.set_num_threads(lenet5.device.usable_cores())
    from vs_pytorch import torch_evaluate
    x, y = torch_tensors(args.data_url, "train")
    model = torch_lenet5()
    optimizer = torch.optim.SGD(model.parameters(), lr=RECIPE.lr, momentum=RECIPE.momentum)
    epochs = torch_train(model, optimizer, x, y, args.epochs, RECIPE.batch_size)[0]
    test_x, test_y = torch_tensors(args.data_url, "test")
    torch_evaluate(model, test_x, test_y, RECIPE.batch_size)
    start = time.perf_counter()
    torch_evaluate(model, test_x, test_y, RECIPE.batch_size)
    return epochs, time.perf_counter() - start


def run(layout, load, args):
    """One child run beside ``load`` busy loops: its epoch and evaluation seconds, or why it
    failed."""
    busy = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(load)]
    try:
        time.sleep(0.5)  # let the scheduler place the loops first, as a running program would be
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", layout,
                               "--data_url", args.data_url, "--epochs", str(args.epochs)],
                              capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"took more than {args.timeout:.0f} s"}
    finally:
        for p in busy:
            p.kill()
            p.wait()
    lines = proc.stdout.strip().splitlines()
    if proc.returncode or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    epochs, evaluation = json.loads(lines[-1])
    return {"epoch_seconds": epochs, "eval_seconds": evaluation}


def table(runs, loads, seconds):
    """Markdown: per layout, each load's median [range] of ``seconds(run)`` (a list), and its
    ratio to the same layout's quiet median."""
    names = list(dict.fromkeys(r["layout"] for r in runs))
    head = "| layout | " + " | ".join(
        f"{n} busy loop{'s' if n != 1 else ''}: median [range], x quiet" if n else
        "quiet: median [range]" for n in loads) + " |"
    lines = [head, "|---" * (len(loads) + 1) + "|"]
    for name in names:
        cells, quiet = [], None
        for load in loads:
            epochs = [s for r in runs if r["layout"] == name and r["load"] == load
                      and "epoch_seconds" in r for s in seconds(r)]
            failed = sum(1 for r in runs if r["layout"] == name and r["load"] == load
                         and "error" in r)
            if not epochs:
                cells.append(f"failed ({failed} runs)" if failed else "not run")
                continue
            median = statistics.median(epochs)
            quiet = median if load == 0 else quiet
            ratio = f", {median / quiet:.1f}x" if load and quiet else ""
            cells.append(f"{median:.2f} s [{min(epochs):.2f}-{max(epochs):.2f}]{ratio}"
                         + (f" ({failed} runs failed)" if failed else ""))
        label = "PyTorch" if name == "pytorch" else f"`{name}`"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        epochs, evaluation = (child_pytorch if args.child == "pytorch" else child_mindspore)(args)
        print(json.dumps([[round(s, 3) for s in epochs], round(evaluation, 3)]))
        return 0
    lenet5.locate_split(args.data_url, "train")  # fail early on a bad folder
    layouts = list(args.layouts)
    if args.torch:
        try:
            import torch  # noqa: F401  (only whether it is there)
            layouts.append("pytorch")
        except ImportError:
            print("note: torch is not installed; PyTorch is left out", file=sys.stderr)
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = []
    for repeat in range(args.repeats):
        for load in args.loads:
            # Rotate the order each repeat: no layout always runs first after a load starts.
            shift = (repeat + load) % len(layouts)
            for layout in layouts[shift:] + layouts[:shift]:
                before = measure_other_load(1.0)
                result = run(layout, load, args)
                runs.append({"layout": layout, "load": load, "repeat": repeat,
                             "other_load_before": before, **result})
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    counted = "epoch 2" if args.epochs == 2 else f"epochs 2-{args.epochs}"
    background = [r["other_load_before"] for r in runs if r["other_load_before"] is not None]
    report = (f"Measured {started:%Y-%m-%d %H:%M} UTC with `python bench/busy_laptop.py "
              f"--epochs {args.epochs} --repeats {args.repeats}` on "
              f"{os.path.relpath(args.data_url, ROOT)} ({lenet5.device.usable_cores()} usable "
              f"cores; before each run, other programs used {min(background, default=0):.2f}-"
              f"{max(background, default=0):.2f} cores' worth of CPU). Seconds per epoch, "
              f"{counted} of each run:\n\n"
              + table(runs, args.loads, lambda r: r["epoch_seconds"][1:])
              + "\n\nEvaluation of the test split at batch 32 in the same runs, seconds of the second "
              "pass (the first compiles):\n\n"
              + table(runs, args.loads, lambda r: [r["eval_seconds"]]) + "\n")
    print(report)
    for path, text in ((args.out, report), (args.json, json.dumps(runs, indent=1))):
        if path:
            with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
    if args.doc and not replace_marked(DOC, "busy-laptop", report):
        print(f"note: no busy-laptop markers in {DOC}: table not written there", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
