"""How much the course recipe's test accuracy varies with the seed: trains it once per seed on
the shipped sample and writes the accuracies (and their range) to a JSON file that lesson 3
quotes (tools/figures.py).

    python tools/seed_sweep.py                          # seeds 1-10 -> docs/results/seeds.json
    python tools/seed_sweep.py --seeds 1 2 3 --json /tmp/seeds.json
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import lenet5  # noqa: E402
from lenet5.analysis import run_trial  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    p.add_argument("--variant", default="classic", choices=lenet5.model.VARIANTS)
    p.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    p.add_argument("--json", default=os.path.join(ROOT, "docs", "results", "seeds.json"))
    args = p.parse_args(argv)
    lenet5.setup_device("CPU")
    recipe = lenet5.RECIPES["course"]
    accuracies = {}
    for seed in args.seeds:
        trial = run_trial(f"seed {seed}", args.data, recipe, seed=seed,
                          make_net=lambda: lenet5.LeNet5(variant=args.variant))
        accuracies[str(seed)] = trial.accuracy
    values = list(accuracies.values())
    write_json(args.json, {"recipe": recipe.as_dict(), "variant": args.variant,
                           "data": os.path.relpath(args.data, ROOT), "split": "test",
                           "accuracy": accuracies, "min": min(values), "max": max(values),
                           "seeds": len(values)})
    print(f"{len(values)} seeds: test accuracy {min(values):.2%} to {max(values):.2%}; "
          f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
