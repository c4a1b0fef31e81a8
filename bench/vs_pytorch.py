"""LeNet5 training and evaluation speed: this project's MindSpore path vs an equivalent PyTorch one.

Runs, one after the other in child processes of this one (same machine, same data, nothing else
of ours running beside them):

* mindspore: ``lenet5.setup_device`` + ``lenet5.create_dataset`` + ``lenet5.train`` exactly as
  ``main.py`` trains (GRAPH mode, course recipe: batch 32, Momentum lr 0.01 / 0.9), then
  ``lenet5.evaluate``. Whatever ``lenet5.train`` does (sink mode, thread layout) is measured;
  ``--train-option sink=true`` passes extra keyword arguments to it.
* pytorch: the same LeNet5 (classic, Xavier-uniform weights, zero biases), SGD with momentum 0.9
  (the same update as MindSpore's Momentum), cross-entropy, batch 32, torch threads = usable
  cores, eager mode; the images are decoded, resized to 32x32 and normalised once into a tensor
  (timed separately as "data preparation"), and every epoch draws batches from a new
  permutation, as a DataLoader over a TensorDataset would.

Both train on the same 60,000 images (Debian's Fashion-MNIST by default: MNIST's exact shape)
and are evaluated twice on as many test images at batch 1, 32 and 1000 (the same images where
that is the whole test split): the first evaluation
includes reading and preparing the images, the second is the steady state. ``--runs`` runs of
each framework are interleaved (the machine is shared: the report gives medians and ranges).
Writes docs/BENCHMARKS.md.

    python bench/vs_pytorch.py                           # needs: pip install torch==2.13.0
    python bench/vs_pytorch.py --epochs 3 --runs 1 --out /tmp/BENCHMARKS.md
    python bench/vs_pytorch.py --frameworks mindspore --train-option sink=true
"""
import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))
import lenet5  # noqa: E402  (sets the CPU defaults before MindSpore starts)
from lenet5 import device  # noqa: E402
from lenet5.errors import Lenet5Error  # noqa: E402
from lenet5.atomic import atomic_path, replace_marked  # noqa: E402
from lenet5.recipes import RECIPES  # noqa: E402

FRAMEWORKS = ("mindspore", "pytorch")
EVAL_BATCHES = (1, 32, 1000)
OTHERS_QUIET = 0.2  # cores' worth of CPU other programs may use while a child runs
RECIPE = RECIPES["course"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data_url", default="/usr/share/datasets/fashion-mnist",
                   help="a 60,000-image MNIST-shaped data folder (apt-get install "
                        "dataset-fashion-mnist)")
    p.add_argument("--epochs", type=int, default=2, help="training epochs; the best one counts "
                   "(MindSpore's first includes graph compilation)")
    p.add_argument("--eval-images", type=int, default=10000, help="test images per evaluation")
    p.add_argument("--eval-images-batch1", type=int, default=2000,
                   help="test images for the batch-1 evaluation (one step per image)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="which to run, in order")
    p.add_argument("--runs", type=int, default=3, help="runs of each framework, interleaved; "
                   "the report gives the median and the range")
    p.add_argument("--train-option", action="append", default=[], metavar="KEY=VALUE",
                   help="extra keyword argument for lenet5.train (JSON value or string)")
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"),
                   help="the Markdown report ('-' to skip)")
    p.add_argument("--json", default=None, help="also write the raw results here")
    p.add_argument("--readme", action="store_true", help="also put the table, with its date and "
                   "spread, in README.md (between its vs-pytorch markers)")
    p.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def train_options(pairs):
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise Lenet5Error(f"--train-option {pair!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def peak_rss_mib():
    """The peak resident memory of this process (and of any child it waited for), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # Linux reports KiB


# ---- MindSpore: this project's path ---------------------------------------------------------

def run_mindspore(args):
    import mindspore as ms
    target = lenet5.setup_device("CPU", seed=1)
    options = train_options(args.train_option)
    train_set = lenet5.create_dataset(args.data_url, split="train", batch_size=RECIPE.batch_size)
    images = train_set.get_dataset_size() * train_set.get_batch_size()
    net = lenet5.LeNet5()
    start = time.perf_counter()
    result = lenet5.train(net, train_set, RECIPE.with_overrides(epochs=args.epochs),
                          display=False, **options)
    seconds = time.perf_counter() - start
    epochs = list(result.epoch_seconds)
    if len(epochs) != args.epochs:  # a train() that reports no per-epoch times: spread evenly
        epochs = [seconds / args.epochs] * args.epochs
    evaluation = {}
    for batch in EVAL_BATCHES:
        count = args.eval_images_batch1 if batch == 1 else args.eval_images
        count -= count % batch
        if not count:  # fewer test images than one batch: nothing to time
            evaluation[batch] = None
            continue
        data = lenet5.create_dataset(args.data_url, split="test", batch_size=batch,
                                     num_samples=count, drop_remainder=True)
        t = time.perf_counter()
        lenet5.evaluate(net, data)  # the first pass: input pipeline (and any compilation) included
        first = time.perf_counter() - t
        t = time.perf_counter()
        scores = lenet5.evaluate(net, data)
        evaluation[batch] = {"images": count, "seconds": time.perf_counter() - t,
                             "first_seconds": first, "accuracy": scores["accuracy"]}
    return {"framework": "MindSpore", "version": ms.__version__, "target": target,
            "mode": "graph", "threads": device.cpu_threads(), "train_options": options,
            "images_per_epoch": images, "epoch_seconds": epochs, "train_seconds": seconds,
            "prepare_seconds": None, "evaluation": evaluation,
            "final_train_loss": result.epoch_losses[-1] if result.epoch_losses else None}


# ---- PyTorch: the same network and recipe ---------------------------------------------------

def torch_lenet5():
    import torch
    from torch import nn

    class LeNet5(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2 = nn.Linear(400, 120), nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, num_classes)
            for layer in (self.conv1, self.conv2, self.fc1, self.fc2, self.fc3):
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

        def forward(self, x):
            f = nn.functional
            x = f.max_pool2d(f.relu(self.conv1(x)), 2)
            x = f.max_pool2d(f.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            return self.fc3(f.relu(self.fc2(f.relu(self.fc1(x)))))

    return LeNet5()


def torch_tensors(data_url, split, count=None):
    """The split (its first ``count`` images) as the course pipeline makes it: (N, 1, 32, 32)
    float32, normalised; int64 labels."""
    import torch
    from lenet5.data import MNIST_MEAN, MNIST_STD
    images, labels = lenet5.load_arrays(data_url, split)
    images, labels = images[:count], labels[:count]
    x = torch.from_numpy(images).unsqueeze(1).float().div_(255)
    x = torch.nn.functional.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    return (x - MNIST_MEAN) / MNIST_STD, torch.from_numpy(labels.astype("int64"))


def torch_evaluate(model, x, y, batch):
    import torch
    model.eval()
    correct, loss = 0, 0.0
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            logits = model(x[i:i + batch])
            loss += float(torch.nn.functional.cross_entropy(logits, y[i:i + batch],
                                                            reduction="sum"))
            correct += int((logits.argmax(1) == y[i:i + batch]).sum())
    model.train()
    return {"accuracy": correct / len(x), "loss": loss / len(x)}


def torch_train(model, optimizer, x, y, epochs, batch):
    """Train for ``epochs`` on shuffled batches (the incomplete last one dropped, as
    create_dataset does); return the seconds and the mean loss of each epoch."""
    import torch
    steps = len(x) // batch
    seconds, losses = [], []
    for _ in range(epochs):
        t = time.perf_counter()
        order, total = torch.randperm(len(x)), 0.0
        for step in range(steps):
            index = order[step * batch:(step + 1) * batch]
            loss = torch.nn.functional.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item()  # lenet5.train also reads every step's loss
        seconds.append(time.perf_counter() - t)
        losses.append(total / steps)
    return seconds, losses


def run_pytorch(args):
    import torch
    torch.manual_seed(1)
    torch.set_num_threads(device.usable_cores())  # as setup_device does for MindSpore
    t = time.perf_counter()
    x, y = torch_tensors(args.data_url, "train")
    test_x, test_y = torch_tensors(args.data_url, "test")
    prepare = time.perf_counter() - t
    model = torch_lenet5()
    optimizer = torch.optim.SGD(model.parameters(), lr=RECIPE.lr, momentum=RECIPE.momentum,
                                weight_decay=RECIPE.weight_decay)
    batch = RECIPE.batch_size
    steps = len(x) // batch  # drop the incomplete last batch, as create_dataset does
    start = time.perf_counter()
    epochs, losses = torch_train(model, optimizer, x, y, args.epochs, batch)
    seconds = time.perf_counter() - start
    evaluation = {}
    for size in EVAL_BATCHES:
        count = args.eval_images_batch1 if size == 1 else args.eval_images
        count -= count % size
        if not count:
            evaluation[size] = None
            continue
        t = time.perf_counter()  # the first pass: preparing the images included
        torch_evaluate(model, *torch_tensors(args.data_url, "test", count), size)
        first = time.perf_counter() - t
        t = time.perf_counter()
        scores = torch_evaluate(model, test_x[:count], test_y[:count], size)
        evaluation[size] = {"images": count, "seconds": time.perf_counter() - t,
                            "first_seconds": first, "accuracy": scores["accuracy"]}
    return {"framework": "PyTorch", "version": torch.__version__, "target": "CPU",
            "mode": "eager", "threads": torch.get_num_threads(), "train_options": {},
            "images_per_epoch": steps * batch, "epoch_seconds": epochs, "train_seconds": seconds,
            "prepare_seconds": prepare, "evaluation": evaluation, "final_train_loss": losses[-1]}


# ---- the parent: run the children, write the report -----------------------------------------

def run_child(framework, argv):
    """Run one framework in a child process; return its results (or why it could not run)."""
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", framework,
                           *argv], capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"framework": framework, "error": tail}
    result = json.loads(lines[-1])
    result["evaluation"] = {int(k): v for k, v in result["evaluation"].items()}  # JSON keys
    return result


def cpu_sample():
    """(wall, busy CPU seconds of the whole machine, CPU seconds of this process and its
    finished children), or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait
    t = os.times()
    return time.monotonic(), busy, t.user + t.system + t.children_user + t.children_system


def other_cores(before, after):
    """Cores' worth of CPU that other programs used between two :func:`cpu_sample`."""
    if before is None or after is None or after[0] - before[0] < 1:
        return None
    others = (after[1] - before[1]) - (after[2] - before[2])
    return round(max(0.0, others / (after[0] - before[0])), 3)


def machine():
    from lenet5.platform.doctor import cpu_model_and_flags
    model, flags = cpu_model_and_flags()
    try:
        with open("/proc/meminfo") as f:
            memory = f"{int(f.readline().split()[1]) / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = "RAM unknown"
    return (f"{model}, {device.usable_cores()} usable of {os.cpu_count()} cores, {memory}, "
            f"AVX-512: {'yes' if 'avx512f' in flags else 'no'}, "
            f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', 'unset')}; "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def summary(r):
    """The table's numbers for one child's results."""
    best = min(r["epoch_seconds"])
    evals = {b: e for b, e in r["evaluation"].items() if e}
    return {"train": r["images_per_epoch"] / best, "best_epoch": best,
            "eval": {b: e and e["images"] / e["seconds"] for b, e in r["evaluation"].items()},
            "first": {b: e["images"] / e["first_seconds"] for b, e in evals.items()},
            "accuracy": evals[max(evals)]["accuracy"] if evals else None,
            "rss": r["peak_rss_mib"], "prepare": r["prepare_seconds"]}


def spread(values):
    """Median, lowest and highest of the runs' values (None where a run had none)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def table_numbers(results):
    """Per framework, each figure of the table over the runs: {framework: {figure: spread}}."""
    numbers = {}
    for name in dict.fromkeys(r["framework"] for r in results if "error" not in r):
        rows = [summary(r) for r in results if r["framework"] == name and "error" not in r]
        figures = {"train": [x["train"] for x in rows], "best_epoch": [x["best_epoch"] for x in rows],
                   "rss": [x["rss"] for x in rows], "prepare": [x["prepare"] for x in rows],
                   "accuracy": [x["accuracy"] for x in rows]}
        for batch in EVAL_BATCHES:
            figures[f"eval {batch}"] = [x["eval"].get(batch) for x in rows]
            figures[f"first {batch}"] = [x["first"].get(batch) for x in rows]
        numbers[name] = {k: spread(v) for k, v in figures.items()}
    return numbers


def ratios(results):
    """MindSpore against PyTorch, medians over the runs (what docs/CPU_SPEED.md and the README
    quote), when both ran: the best epochs, the training throughput ratio, and the evaluation
    throughput ratio at each batch size."""
    numbers = table_numbers(results)
    if set(numbers) != {"MindSpore", "PyTorch"}:
        return None
    ms_, pt = numbers["MindSpore"], numbers["PyTorch"]
    evaluation = {str(b): ms_[f"eval {b}"]["median"] / pt[f"eval {b}"]["median"]
                  for b in EVAL_BATCHES if ms_[f"eval {b}"] and pt[f"eval {b}"]}
    return {"runs": len([r for r in results if r["framework"] == "MindSpore"]),
            "best_epoch_seconds": {"MindSpore": ms_["best_epoch"]["median"],
                                   "PyTorch": pt["best_epoch"]["median"]},
            "train_throughput_ratio": pt["best_epoch"]["median"] / ms_["best_epoch"]["median"],
            "first_eval_ratio_1000": (ms_["first 1000"]["median"] / pt["first 1000"]["median"]
                                      if ms_["first 1000"] and pt["first 1000"] else None),
            "eval_throughput_ratio": evaluation,
            "eval_images_per_second": {name: {str(b): numbers[name][f"eval {b}"]
                                              for b in EVAL_BATCHES}
                                       for name in numbers}}


def markdown(results, args, load_before, started):
    """The whole report, and a short form of it for the README (the table, when and how)."""
    ok = [r for r in results if "error" not in r]
    numbers = table_numbers(results)
    first = {r["framework"]: r for r in reversed(ok)}  # versions, mode, threads: from a run
    names = [f"{n} {first[n]['version']} ({first[n]['mode']}, threads: {first[n]['threads']})"
             for n in numbers]
    both = len(numbers) == 2
    runs = max(len([r for r in results if r["framework"] == n]) for n in numbers) if numbers else 0

    def cell(figure, fmt):
        if figure is None:
            return "n/a"
        if runs < 2 or figure["min"] == figure["max"]:
            return fmt(figure["median"])
        return f"{fmt(figure['median'])} ({fmt(figure['min'])}–{fmt(figure['max'])})"

    def row(label, key, fmt, ratio=False, text=None):
        figures = [numbers[n][key] for n in numbers]
        cells = [text(f) if text else cell(f, fmt) for f in figures]
        if both:
            cells.append(f"{figures[0]['median'] / figures[1]['median']:.2f}"
                         if ratio and None not in figures else "")
        return f"| {label} | " + " | ".join(cells) + " |"

    per_second = "{:,.0f}".format
    header = "| | " + " | ".join(names) + (" | MindSpore / PyTorch |" if both else " |")
    lines = [header, "|---" * (len(names) + 1 + both) + "|",
             row("training images/s (best epoch)", "train", per_second, ratio=True),
             row("best epoch seconds", "best_epoch", "{:.1f}".format)]
    for batch in EVAL_BATCHES:
        lines.append(row(f"evaluation images/s, batch {batch}", f"eval {batch}", per_second,
                         ratio=True))
    lines += [row("first evaluation of the test set, images/s, batch 1000 (input pipeline "
                  "included)", "first 1000", per_second, ratio=True),
              row("peak memory (RSS, MiB)", "rss", per_second, ratio=True),
              row("data preparation seconds (outside the epochs)", "prepare", None,
                  text=lambda f: ("in the pipeline, inside each epoch" if f is None
                                  else f"{f['median']:.1f}")),
              row(f"test accuracy after {args.epochs} epochs", "accuracy", "{:.2%}".format)]
    cores = device.usable_cores()
    # The load average before, and the CPU other programs used while each child ran: not the
    # load average after, which MindSpore's idle runtime threads raise themselves (they poll).
    others = [r["other_cores"] for r in results if r.get("other_cores") is not None]
    busy = max(others, default=0.0)
    quiet = load_before < 0.5 * cores and busy < OTHERS_QUIET
    note = ("" if quiet else
            f"**Provisional: this machine was busy** (load average {load_before:.1f} before the "
            f"run; other programs used up to {busy:.2f} of the {cores} usable cores while it "
            "ran): other jobs shared the CPU, so the numbers are disturbed. Re-measure on a "
            "quiet machine with the command below.\n\n")
    shared = ", ".join(f"{o:.2f}" for o in others)
    options = next((r["train_options"] for r in ok if r["framework"] == "MindSpore"), {})
    import numpy
    versions = "; ".join([f"{n} {first[n]['version']}" for n in numbers]
                         + [f"NumPy {numpy.__version__}"])
    failed = "".join(f"- {r['framework']} did not run: {r['error']}\n" for r in results
                     if "error" in r)
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pinned = f"taskset -c {','.join(map(str, cpus))} " if len(cpus) < (os.cpu_count() or 0) else ""
    command = (f"{pinned}python bench/vs_pytorch.py --epochs {args.epochs} --runs {args.runs}"
               + "".join(f" --train-option {o}" for o in args.train_option))
    finished = datetime.datetime.now(datetime.timezone.utc)
    short = (f"{note}Measured {started:%Y-%m-%d %H:%M} to {finished:%H:%M} UTC, `{command}`: "
             f"{runs} interleaved runs of each, the median with the lowest and highest in "
             f"brackets; the machine, versions and method are in docs/BENCHMARKS.md.\n\n"
             + "\n".join(lines) + "\n")
    return short, f"""# Benchmarks: LeNet5 on MindSpore (this project) and PyTorch

{note}Measured {started:%Y-%m-%d %H:%M} to {finished:%H:%M} UTC with

    {command}

- Machine: {machine()}
- Runs: {runs} of each framework, interleaved (MindSpore, PyTorch, MindSpore, ...), each alone
  in its own child process. A figure is the median of the runs, with the lowest and highest in
  brackets.
- Other programs' CPU use while each child ran, in cores (/proc/stat, less this benchmark's own),
  in the order they ran: {shared or "not measured"}
- Versions: {versions}
- Data: {args.data_url} (60,000 training images, 28x28 resized to 32x32); evaluation on
  {args.eval_images:,} test images ({args.eval_images_batch1:,} at batch 1), less the remainder
  of a batch; where that is fewer than the test split, MindSpore evaluates a fixed random subset
  of that size and PyTorch the first images
- Recipe: the course's (batch {RECIPE.batch_size}, lr {RECIPE.lr}, momentum {RECIPE.momentum}),
  LeNet5 classic ({lenet5.count_parameters(lenet5.LeNet5()):,} parameters). MindSpore trains
  and evaluates through `lenet5.train` (options: {json.dumps(options) if options else "its defaults"})
  and `lenet5.evaluate`; PyTorch with the same network and update rule in eager mode.
- Training images/s comes from the best epoch (MindSpore's first epoch includes graph
  compilation). Evaluation images/s comes from the second evaluation of the same test set at
  that batch size: MindSpore's `lenet5.evaluate` reads a test set through the input pipeline
  once and keeps the arrays, and runs the network in chunks of up to 2048 images whatever the
  batch size; PyTorch's images were prepared once before (the data preparation row) and its
  network runs at the batch size. The first evaluation, input pipeline (MindSpore) or the test
  images' preparation (PyTorch) included, has its own row.
  Peak memory is the child process's maximum resident set (training and evaluation).
- On a busy machine, PyTorch's OpenMP threads lose far more than MindSpore's thread pool when
  the cores are shared; to compare the frameworks there, pin the run to one core
  (`taskset -c 0 python bench/vs_pytorch.py`: both then use one thread).

{failed}{chr(10).join(lines)}

Where MindSpore's time goes on this CPU, kernel by kernel, and what was tried to close the gap:
[CPU_SPEED.md](CPU_SPEED.md).
"""


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.child:
            result = {"mindspore": run_mindspore, "pytorch": run_pytorch}[args.child](args)
            result["peak_rss_mib"] = peak_rss_mib()
            print(json.dumps(result))
            return 0
        train_options(args.train_option)  # fail early on a bad option
        for split in ("train", "test"):
            lenet5.locate_split(args.data_url, split)
        frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
        unknown = sorted(set(frameworks) - set(FRAMEWORKS))
        if unknown:
            raise Lenet5Error(f"--frameworks: unknown {', '.join(unknown)}; choose from "
                              f"{', '.join(FRAMEWORKS)}")
        if args.runs < 1:
            raise Lenet5Error(f"--runs must be at least 1, got {args.runs}")
    except Lenet5Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    argv = [a for a in (sys.argv[1:] if argv is None else argv)]
    started, load_before = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()[0]
    results = []
    for run in range(args.runs):
        for framework in frameworks:
            print(f"run {run + 1}/{args.runs}: {framework} ...", file=sys.stderr, flush=True)
            if framework == "pytorch" and not _has_torch():
                results.append({"framework": "pytorch", "run": run, "error": "torch is not "
                                "installed (pip install torch==2.13.0: an optional benchmark "
                                "dependency)"})
                continue
            before = cpu_sample()
            results.append(run_child(framework, argv))
            results[-1]["run"] = run
            results[-1]["other_cores"] = other_cores(before, cpu_sample())
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    load_after = os.getloadavg()[0]
    short, report = markdown(results, args, load_before, started)
    print(report)
    if args.readme and not replace_marked(os.path.join(ROOT, "README.md"), "vs-pytorch", short):
        print("note: no vs-pytorch markers in README.md: table not written there", file=sys.stderr)
    if args.out != "-":
        with atomic_path(args.out) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(report)
    if args.json:
        with atomic_path(args.json) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"results": results, "load_average": [load_before, load_after],
                           "started": started.isoformat(), "summary": ratios(results)},
                          f, indent=2)
    return 0 if all("error" not in r for r in results) else 1


def _has_torch():
    import importlib.util
    return importlib.util.find_spec("torch") is not None


if __name__ == "__main__":
    sys.exit(main())
