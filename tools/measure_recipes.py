"""The README's recipe table: accuracy and training time of ``main.py --recipe course|accurate``.

    python tools/measure_recipes.py [--seed 1] [--json docs/results/recipes.json]
    OTHER_ENV/bin/python tools/measure_recipes.py --recipes course \
        --json docs/results/recipes-ms2.7.1.json     # another environment's MindSpore

Runs ``main.py`` as a user would, with the Python that runs this script (the JSON records its
Python, MindSpore and NumPy versions), once per recipe on all 8,000 training images of the shipped
sample (as the original course: no validation split) and once with ``--val_split 0.1``
(trained on 7,200, validation accuracy on the other 800), and writes what each run's
``metrics.json`` says. ``tools/figures.py`` copies the numbers into README.md ("Recipes").
Times depend on the machine and on what else runs on it; the JSON records the cores.
"""
import argparse
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.atomic import write_json  # noqa: E402
from lenet5.platform.threads import usable_cores  # noqa: E402

KEEP = ("accuracy", "loss", "val_accuracy", "val_loss", "train_seconds", "epochs", "num_train",
        "num_val", "num_test", "train_images_per_second")


def measure(recipe, seed, val_split, data):
    """What ``main.py --recipe RECIPE`` writes to metrics.json (the fields in ``KEEP``)."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, os.path.join(ROOT, "main.py"), "--recipe", recipe,
                   "--seed", str(seed), "--data_url", data, "--train_url", out,
                   "--device_target", "CPU", "--progress", "none"]
        if val_split:
            command += ["--val_split", str(val_split)]
        print("$", " ".join(command[1:]), flush=True)
        subprocess.run(command, check=True, cwd=ROOT)
        with open(os.path.join(out, "metrics.json"), encoding="utf-8") as f:
            metrics = json.load(f)
    return {k: metrics[k] for k in KEEP if k in metrics}


def versions():
    """The Python, MindSpore and NumPy that ``main.py`` runs with (this script's own)."""
    found = {"python": platform.python_version()}
    for package in ("mindspore", "numpy"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    parser.add_argument("--json", default=os.path.join(ROOT, "docs", "results", "recipes.json"))
    parser.add_argument("--recipes", nargs="+", choices=("course", "accurate"),
                        default=["course", "accurate"])
    args = parser.parse_args(argv)
    results = {"seed": args.seed, "cores": usable_cores(),
               "machine": "a 2-core VM shared with other jobs: times vary from run to run",
               "versions": versions()}
    for recipe in args.recipes:
        results[recipe] = measure(recipe, args.seed, 0.0, args.data)
        results[f"{recipe}_val"] = measure(recipe, args.seed, 0.1, args.data)
    write_json(args.json, results)
    for key in (k for r in args.recipes for k in (r, f"{r}_val")):
        r = results[key]
        val = f", validation {r['val_accuracy']:.2%}" if "val_accuracy" in r else ""
        print(f"{key:13} test {r['accuracy']:.2%}{val}, trained {r['num_train']:,} images in "
              f"{r['train_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
