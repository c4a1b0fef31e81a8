"""Runs the worked solutions of lesson 5's exercises and writes the numbers they quote.

    python tools/solutions_05.py [--json docs/results/solutions-05.json]

The code of each solution in course/solutions.md (section 5), with notebook 05's set-up
(seed 1, the validation split, the same shortened runs); ``tools/figures.py`` copies the
numbers into the solutions. Solution 5.5 reads the full-length run of
``tools/recipe_ablation.py`` (docs/results/recipe_ablation.json) instead of training it again.
About three minutes on a 2-core CPU shared with other jobs.
"""
import argparse
import json
import os
import re
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import lenet5  # noqa: E402
from lenet5 import RECIPES  # noqa: E402
from lenet5.analysis import baseline, run_trial  # noqa: E402
from lenet5.analysis.baselines import MLP  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402

DATA = os.path.join(ROOT, "MNIST")
VAL = 0.1
SUBSET, SWEEP_EPOCHS, EPOCHS = 3000, 2, 5  # as notebook 05
course, accurate = RECIPES["course"], RECIPES["accurate"]
quick = course.with_overrides(epochs=SWEEP_EPOCHS)


def key(name):
    """A trial's name as a JSON key without dots (tools/figures.py reads "a.b.c" paths)."""
    return re.sub(r"\W+", "_", name).strip("_")


def accuracies(trials):
    return {key(t.name): t.accuracy for t in trials}


def solution_1():
    trials = [run_trial(f"lr {lr:g}", DATA, quick.with_overrides(lr=lr), num_samples=SUBSET,
                        val_split=VAL) for lr in (0.01, 0.02, 0.05, 0.1, 0.2)]
    curves = {}
    for trial in trials[-2:]:  # lr 0.1 and 0.2: what the loss did
        losses = np.asarray(trial.step_losses)
        low = int(np.argmin(losses[:100]))
        curves[key(trial.name)] = {"lowest_loss": float(losses[low]), "lowest_step": low + 1,
                              "highest_loss_after": float(np.nanmax(losses[low:])),
                              "final_loss": float(losses[-50:].mean())}
    return {"accuracy": accuracies(trials), "loss": curves}


def solution_2():
    trials = [run_trial(f"batch {b}, lr {lr:g}", DATA, quick.with_overrides(batch_size=b, lr=lr),
                        num_samples=SUBSET, val_split=VAL)
              for b, lr in ((32, 0.01), (64, 0.02), (128, 0.04), (128, 0.01))]
    return {"accuracy": accuracies(trials),
            "steps_128": SWEEP_EPOCHS * (SUBSET // 128)}


def solution_3():
    contenders = [
        run_trial("LeNet5 (classic)", DATA, course, val_split=VAL),
        run_trial("MLP 784-76-10", DATA, course, make_net=lambda: MLP((784, 76, 10)),
                  resize=(28, 28), val_split=VAL),
        run_trial("MLP 784-128-64-10", DATA, course, make_net=lambda: baseline("mlp-mxnet"),
                  resize=(28, 28), val_split=VAL),
        run_trial("MLP 784-500-10", DATA, course, make_net=lambda: baseline("mlp-int8"),
                  resize=(28, 28), val_split=VAL),
    ]
    return {"accuracy": accuracies(contenders), "parameters": contenders[1].parameters}


def solution_4():
    short = accurate.with_overrides(epochs=EPOCHS)
    variants = {"accurate": short,
                "- augmentation": short.with_overrides(augment=False),
                "- weight decay": short.with_overrides(weight_decay=0.0),
                "- schedule": short.with_overrides(lr=course.lr, schedule="constant",
                                                   warmup_epochs=0)}
    trials = [run_trial(name, DATA, recipe, val_split=VAL) for name, recipe in variants.items()]
    result = accuracies(trials)
    return {"accuracy": result,
            "change": {k: 100 * (v - result["accurate"]) for k, v in result.items()}}


def solution_5():
    """From the full-length runs of tools/recipe_ablation.py (seed 1): the accurate recipe's
    validation accuracy after every epoch against the course recipe's (3 epochs)."""
    with open(os.path.join(ROOT, "docs", "results", "recipe_ablation.json"),
              encoding="utf-8") as f:
        ablation = json.load(f)
    seeds = ablation["seeds"]
    i = seeds.index(1)
    target = ablation["results"]["course"]["val_accuracy"][i]
    curve = ablation["results"]["augmentation"]["epoch_val_accuracy"][i]
    beats = [a > target for a in curve]
    first = beats.index(True) + 1
    for_good = next(e + 1 for e in range(len(curve)) if all(beats[e:]))
    return {"course_val_accuracy": target, "first_epoch_above": first,
            "epoch_above_for_good": for_good, "final_val_accuracy": curve[-1],
            "peak_epoch": ablation["results"]["augmentation"]["peak_epoch"][i],
            "kept_epoch": ablation["results"]["augmentation"]["kept_epoch"][i],
            "kept_val_accuracy": ablation["results"]["augmentation"]["kept_val_accuracy"][i],
            "stop_epoch": ablation["results"]["augmentation"]["stop_epoch"][i],
            "patience": ablation["patience"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=os.path.join(ROOT, "docs", "results",
                                                       "solutions-05.json"))
    parser.add_argument("--only", type=int, nargs="+", default=[1, 2, 3, 4, 5],
                        help="run only these solutions (keep the others' numbers in --json)")
    args = parser.parse_args(argv)
    lenet5.setup_device("CPU", seed=1)
    results = {"val_split": VAL, "seed": 1}
    if os.path.exists(args.json) and len(args.only) < 5:
        with open(args.json, encoding="utf-8") as f:
            results.update(json.load(f))
    solutions = (solution_1, solution_2, solution_3, solution_4, solution_5)
    for number, solve in enumerate(solutions, 1):
        if number not in args.only:
            continue
        results[f"exercise{number}"] = solve()
        print(f"5.{number}:", json.dumps(results[f"exercise{number}"]), flush=True)
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
