"""What each part of the ``accurate`` recipe adds, at full length, chosen on validation.

    python tools/recipe_ablation.py [--epochs N] [--seeds 1 2] [--val_split 0.1] [--json FILE]

Holds out ``--val_split`` of the shipped sample's 8,000 training images (always the same ones)
and trains on the rest. Starts from the course recipe and adds one part of the ``accurate``
recipe at a time (lenet5.analysis.experiments.ablation), training every step for the accurate
recipe's number of epochs; also trains the course recipe as published (3 epochs) and the MLP
baselines for comparison. Every setting is compared on the validation split, after every
epoch (so the curves also say when to stop). The test split is touched once, at the end: the
course recipe as published against the setting with the best validation accuracy.

Prints a Markdown table; ``--json`` also writes every number (lesson 5 quotes
docs/results/recipe_ablation.json). Takes 4 x 40 + 3 x 3 epochs per seed: with three seeds,
about 15 minutes on a 2-core CPU shared with other jobs.
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import lenet5  # noqa: E402
from lenet5 import RECIPES  # noqa: E402
from lenet5.analysis.baselines import INPUT_SIZE, baseline  # noqa: E402
from lenet5.analysis.experiments import ablation, run_trial  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402
from lenet5.device import usable_cores  # noqa: E402

PATIENCE = 5  # early stopping: stop after this many epochs without a better validation accuracy


def early_stop(values, patience=PATIENCE):
    """``(kept_epoch, stop_epoch)`` (1-based) of early stopping on a validation curve: training
    stops once ``patience`` epochs in a row bring no better value than the best so far (at the
    last epoch if that never happens) and keeps the weights of that best epoch (the first, if
    tied)."""
    best = 0
    for epoch, value in enumerate(values):
        if value > values[best]:
            best = epoch
        if epoch - best >= patience:
            return best + 1, epoch + 1
    return best + 1, len(values)


def runs(epochs):
    """``[(key, label, recipe, make_net, resize)]``: the trials of one seed."""
    course = RECIPES["course"]
    keys = ("course_long", "schedule", "weight_decay", "augmentation")
    return ([("course", "course recipe as published (3 epochs)", course, lenet5.LeNet5, (32, 32))]
            + [(key, f"MLP {'-'.join(map(str, baseline(n).sizes))}, course recipe", course,
                lambda n=n: baseline(n), INPUT_SIZE)
               for key, n in (("mlp_mxnet", "mlp-mxnet"), ("mlp_int8", "mlp-int8"))]
            + [(key, f"{label} ({epochs} epochs)", recipe, lenet5.LeNet5, (32, 32))
               for key, (label, recipe) in zip(keys, ablation(course, RECIPES["accurate"],
                                                              epochs=epochs))])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    parser.add_argument("--epochs", type=int, default=RECIPES["accurate"].epochs)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--val_split", type=float, default=0.1)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    lenet5.setup_device("CPU")
    plan = runs(args.epochs)
    results, nets, start = {}, {}, time.perf_counter()
    for key, name, recipe, make_net, resize in plan:
        trials = [run_trial(f"{name}, seed {seed}", args.data, recipe, make_net=make_net,
                            seed=seed, resize=resize, val_split=args.val_split, each_epoch=True)
                  for seed in args.seeds]
        nets[key] = [t.net for t in trials]
        accuracy = [t.accuracy for t in trials]
        stops = [early_stop(t.epoch_accuracy) for t in trials]
        results[key] = {
            "name": name, "recipe": recipe.as_dict(), "parameters": trials[0].parameters,
            "val_accuracy": accuracy, "val_accuracy_mean": float(np.mean(accuracy)),
            "epoch_val_accuracy": [t.epoch_accuracy for t in trials],
            "epoch_val_loss": [t.epoch_loss for t in trials],
            # early stopping: where it stops, which epoch's weights it keeps, their accuracy
            "stop_epoch": [s for _, s in stops], "kept_epoch": [k for k, _ in stops],
            "kept_val_accuracy": [t.epoch_accuracy[k - 1] for t, (k, _) in zip(trials, stops)],
            # the best epoch of the whole run, which only hindsight knows
            "peak_epoch": [int(np.argmax(t.epoch_accuracy)) + 1 for t in trials],
            "peak_val_accuracy": [max(t.epoch_accuracy) for t in trials],
            "train_seconds": [round(t.seconds, 1) for t in trials],
            "train_seconds_mean": float(np.mean([t.seconds for t in trials]))}
    order = [key for key, *_ in plan]
    ladder = order[3:]  # the ablation: each step against the one before
    for before, after in zip(ladder, ladder[1:]):
        results[after]["gain_points"] = 100 * (results[after]["val_accuracy_mean"]
                                               - results[before]["val_accuracy_mean"])
    for key in ladder[1:]:
        results[key]["vs_course_long_points"] = 100 * (results[key]["val_accuracy_mean"]
                                                       - results["course_long"]["val_accuracy_mean"])
    results["course_long"]["vs_course_points"] = 100 * (results["course_long"]["val_accuracy_mean"]
                                                        - results["course"]["val_accuracy_mean"])
    split_sizes = {s: lenet5.data.split_size(args.data, s, args.val_split)
                   for s in ("train", "val", "test")}
    # The one look at the test split: the course recipe against the best on validation.
    chosen = max(ladder, key=lambda k: results[k]["val_accuracy_mean"])
    test = {}
    for key in ("course", chosen):
        accuracy = [lenet5.evaluate(net, lenet5.create_dataset(args.data, "test", 256))["accuracy"]
                    for net in nets[key]]
        test[key] = {"name": results[key]["name"], "accuracy": accuracy,
                     "accuracy_mean": float(np.mean(accuracy)),
                     "errors": [round((1 - a) * split_sizes["test"]) for a in accuracy]}
    test["chosen"] = chosen
    total = time.perf_counter() - start
    print(f"\n{usable_cores()} CPU cores, {total:.0f} s in all; trained on {split_sizes['train']:,}"
          f" images, chosen on {split_sizes['val']:,} validation images\n")
    print("| setting | parameters | val accuracy | mean | training time |\n|---|---:|---:|---:|---:|")
    for key in order:
        r = results[key]
        acc = " / ".join(f"{a:.2%}" for a in r["val_accuracy"])
        print(f"| {r['name']} | {r['parameters']:,} | {acc} | {r['val_accuracy_mean']:.2%} | "
              f"{r['train_seconds_mean']:.0f} s |")
    print(f"\nchosen on validation: {results[chosen]['name']}")
    for key in ("course", chosen):
        print(f"test accuracy, {test[key]['name']}: "
              + " / ".join(f"{a:.2%}" for a in test[key]["accuracy"]))
    if args.json:
        write_json(args.json, {
            "cores": usable_cores(), "seeds": args.seeds, "epochs": args.epochs,
            "val_split": args.val_split, "split_sizes": split_sizes, "patience": PATIENCE,
            "total_seconds": round(total), "results": results, "test": test})
    return 0


if __name__ == "__main__":
    sys.exit(main())
