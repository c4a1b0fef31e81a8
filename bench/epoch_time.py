"""How long one 60,000-image epoch of the course recipe takes on this machine.

Trains LeNet5 (course recipe: batch 32, lr 0.01, Momentum 0.9, GRAPH mode) for a few epochs on a
60,000-image IDX training set -- Fashion-MNIST from Debian's `dataset-fashion-mnist` package by
default, which has exactly MNIST's shape -- and prints the seconds of every epoch. The first
epoch includes graph compilation; the target (<= 12 s, README "Speed") is for a full epoch.

    python bench/epoch_time.py                      # Debian's Fashion-MNIST
    python bench/epoch_time.py --data_url /data/MNIST --epochs 3
    python bench/epoch_time.py --layout free        # MindSpore's threads left unpinned
    python bench/epoch_time.py --epochs 4 --json docs/results/epoch_time.json   # README "Speed"
"""
import argparse
import datetime
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import lenet5  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402
from lenet5.errors import Lenet5Error  # noqa: E402
from lenet5.platform.threads import LAYOUTS  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data_url", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--sink", action="store_true", help="use MindSpore's dataset sink mode")
    p.add_argument("--layout", default="auto", choices=LAYOUTS,
                   help="where MindSpore's threads run (setup_device(layout=...), "
                    "lenet5.platform.threads)")
    p.add_argument("--json", metavar="FILE", help="also write the report to this JSON file")
    args = p.parse_args()
    if args.epochs < 2:
        sys.exit("error: --epochs must be at least 2 (the first one compiles)")
    started, load = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()[0]
    try:
        lenet5.setup_device("CPU", seed=1, layout=args.layout)
        dataset = lenet5.create_dataset(args.data_url, split="train")
    except Lenet5Error as e:
        sys.exit(f"error: {e} (install Debian's dataset-fashion-mnist or pass --data_url)")
    images = dataset.get_dataset_size() * dataset.get_batch_size()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    recipe = lenet5.RECIPES["course"].with_overrides(epochs=args.epochs)
    result = lenet5.train(lenet5.LeNet5(), dataset, recipe, display=False, sink=args.sink)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    import mindspore as ms
    after_first = result.epoch_seconds[1:]
    report = {"measured": f"{started:%Y-%m-%d %H:%M} UTC", "load_average": round(load, 2),
              "images_per_epoch": images,
              "epoch_seconds": [round(s, 2) for s in result.epoch_seconds],
              "after_first": {"min": round(min(after_first), 2),
                              "median": round(statistics.median(after_first), 2),
                              "max": round(max(after_first), 2)},
              "best_epoch_images_per_second": round(images / min(result.epoch_seconds)),
              "cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1), "sink": args.sink,
              "thread_layout": args.layout, "cores": lenet5.device.usable_cores(),
              "mindspore": ms.__version__, "python": platform.python_version(),
              "machine": platform.processor() or platform.machine(),
              "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA")}
    for key, value in report.items():
        print(f"{key:30s} {value}")
    if args.json:
        write_json(args.json, report)


if __name__ == "__main__":
    main()
