"""What each part of the ``accurate`` recipe adds, at full length (lesson 5's table).

    python tools/recipe_ablation.py [--epochs N] [--seeds 1 2 3] [--json FILE]

Starts from the course recipe and adds one part of the ``accurate`` recipe at a time
(lenet5.analysis.experiments.ablation), training every step for the accurate recipe's number of epochs
on the shipped sample; also trains the course recipe as published (3 epochs) and the MLP
baselines for comparison. Prints a Markdown table; ``--json`` also writes every number.
Takes about 4 x 30 epochs: 5-10 minutes on a quiet 2-core CPU.
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import lenet5  # noqa: E402
from lenet5 import RECIPES  # noqa: E402
from lenet5.analysis.baselines import INPUT_SIZE, baseline  # noqa: E402
from lenet5.device import usable_cores  # noqa: E402
from lenet5.analysis.experiments import ablation, run_trial  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    parser.add_argument("--epochs", type=int, default=RECIPES["accurate"].epochs)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    lenet5.setup_device("CPU")
    course = RECIPES["course"]
    runs = [("course recipe as published", course, lenet5.LeNet5, (32, 32))]
    runs += [(f"MLP {'-'.join(map(str, baseline(n).sizes))}, course recipe", course,
              lambda n=n: baseline(n), INPUT_SIZE) for n in ("mlp-mxnet", "mlp-int8")]
    runs += [(f"{label} ({args.epochs} epochs)", recipe, lenet5.LeNet5, (32, 32))
             for label, recipe in ablation(course, RECIPES["accurate"], epochs=args.epochs)]
    results = []
    start = time.perf_counter()
    for name, recipe, make_net, resize in runs:
        trials = [run_trial(name, args.data, recipe, make_net=make_net, seed=seed, resize=resize)
                  for seed in args.seeds]
        accuracies = [t.accuracy for t in trials]
        results.append({"name": name, "recipe": recipe.as_dict(), "seeds": args.seeds,
                        "accuracy": accuracies, "train_seconds": [t.seconds for t in trials],
                        "parameters": trials[0].parameters})
        print(f"{name}: {', '.join(f'{a:.2%}' for a in accuracies)}", flush=True)
    print(f"\n{usable_cores()} CPU cores, {time.perf_counter() - start:.0f} s in all\n")
    print("| setting | parameters | test accuracy | training time |\n|---|---:|---:|---:|")
    for r in results:
        acc = " / ".join(f"{a:.2%}" for a in r["accuracy"])
        secs = sum(r["train_seconds"]) / len(r["train_seconds"])
        print(f"| {r['name']} | {r['parameters']:,} | {acc} | {secs:.0f} s |")
    if args.json:
        write_json(args.json, {"cores": usable_cores(), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
