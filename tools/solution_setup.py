"""What the ``tools/solutions_NN.py`` scripts share: the paths, the network notebook 3 trains
and the command line.

    from solution_setup import DATA, ROOT, course_network, run

A script defines one function per solution and calls ``run(section, solutions, setup)``;
``setup(folder)`` makes the notebook's variables (a ``SimpleNamespace``) in a temporary folder
that lives while the solutions run; its ``close()``, if it has one, runs after them.
"""
import argparse
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import lenet5  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402

DATA = os.path.join(ROOT, "MNIST")
SEED = 1


def course_network(folder):
    """Notebook 3's training: the course recipe from seed 1 on the training split, with the
    per-epoch checkpoints in ``folder``/ckpt and the final one in ``folder``/lenet5.ckpt.
    Returns ``(net, info, path)`` as the later notebooks load it (``open_checkpoint``)."""
    lenet5.device.seed_everything(SEED)  # as right after notebook 3's setup_device(seed=1)
    recipe = lenet5.RECIPES["course"]
    train_set = lenet5.create_dataset(DATA, "train", batch_size=recipe.batch_size)
    net = lenet5.LeNet5()
    lenet5.train(net, train_set, recipe, ckpt_dir=os.path.join(folder, "ckpt"), display=False)
    path = os.path.join(folder, "lenet5.ckpt")
    lenet5.save_checkpoint(net, path, recipe=recipe)
    net, info = lenet5.open_checkpoint(path)
    return net, info, path


def listing(items):
    """[9, 2, 8] -> "9, 2 and 8": a list the way the text writes it."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def run(section, solutions, setup=None, argv=None, doc=None):
    """Command line of a solutions script: run ``solutions`` (``{number: function}``, each
    called with what ``setup`` made) and write their results to --json."""
    doc = doc or sys.modules["__main__"].__doc__ or ""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--json", default=os.path.join(
        ROOT, "docs", "results", f"solutions-{section:02d}.json"))
    parser.add_argument("--only", type=int, nargs="+", default=sorted(solutions),
                        help="run only these solutions (keep the others' numbers in --json)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(solutions))
    if unknown:
        print(f"error: section {section} has no solution {unknown[0]} (it has "
              f"{', '.join(map(str, sorted(solutions)))})", file=sys.stderr)
        return 2
    lenet5.setup_device("CPU", seed=SEED)
    results = {"seed": SEED}
    if os.path.exists(args.json) and set(args.only) != set(solutions):
        with open(args.json, encoding="utf-8") as f:
            results.update(json.load(f))
    with tempfile.TemporaryDirectory(prefix=f"lenet5-solutions-{section:02d}-") as folder:
        nb = setup(folder) if setup else None
        try:
            for number in sorted(args.only):
                results[f"exercise{number}"] = solutions[number](nb)
                print(f"{section}.{number}:", json.dumps(results[f"exercise{number}"]),
                      flush=True)
        finally:
            getattr(nb, "close", lambda: None)()
    write_json(args.json, results)
    return 0
