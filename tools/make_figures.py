"""Draw the figures of the lesson text into course/images/ (``make figures``, about a minute).

    python tools/make_figures.py [--data MNIST/] [--out course/images]

Every figure comes from the package's own plotting functions (lenet5.analysis.plots), the shipped
sample and one training run of the course recipe (seed 1), the same as the notebooks show.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

import lenet5  # noqa: E402
from lenet5.analysis import plots  # noqa: E402
from lenet5.atomic import atomic_path  # noqa: E402
from lenet5.analysis.layers import feature_maps, layer_table  # noqa: E402
from lenet5.analysis.predictions import collect  # noqa: E402


def save(fig, out, name):
    path = os.path.join(out, name)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})  # no version noise
    plt.close(fig)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1024:.0f} kB)")


def data_figures(data, out):
    images, labels = lenet5.load_arrays(data, split="train")
    _, test_labels = lenet5.load_arrays(data, split="test")
    save(plots.digit_grid(images[:20], [str(v) for v in labels[:20]], ncols=10), out, "digits.png")
    save(plots.class_counts({"train": np.bincount(labels, minlength=10),
                             "test": np.bincount(test_labels, minlength=10)}), out,
         "class_counts.png")
    x, stages = images[0][:, :, None], []
    stages.append(("raw", x))
    for op in lenet5.data.image_transforms():
        x = op(x)
        stages.append((type(op).__name__, x))
    save(plots.digit_grid([v for _, v in stages],
                          [f"{n}\n{v.shape} {v.dtype}\n{v.min():.3g}..{v.max():.4g}"
                           for n, v in stages], ncols=4, size=1.5), out, "pipeline.png")


def network_figures(data, out):
    lenet5.setup_device("CPU", seed=1)
    net = lenet5.LeNet5()
    save(plots.architecture(layer_table(net)), out, "architecture.png")

    course = lenet5.RECIPES["course"]
    result = lenet5.train(net, lenet5.create_dataset(data, batch_size=course.batch_size),
                          course, display=False)
    steps = np.arange(1, len(result.step_losses) + 1)
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.plot(steps, result.step_losses, color="0.8", lw=0.8, label="every step")
    plots.curves({"moving average (25 steps)": (steps, result.step_losses)}, ax=ax, smooth=25,
                 xlabel="training step (batch of 32)", ylabel="loss")
    save(fig, out, "loss_curve.png")

    preds = collect(net, lenet5.create_dataset(data, split="test", batch_size=250))
    print(f"course recipe, seed 1: test accuracy {preds.accuracy:.2%}")
    save(plots.confusion(preds.confusion_matrix()), out, "confusion.png")
    wrong = preds.mistakes()[:12]
    save(plots.digit_grid(preds.images[wrong],
                          [f"true {preds.labels[i]}\npred {preds.predicted[i]} "
                           f"{preds.confidence[i]:.0%}" for i in wrong], ncols=12, size=0.8),
         out, "mistakes.png")

    save(plots.channels(net.conv1.weight.asnumpy()[:, 0], ncols=6, size=1.0, symmetric=True,
                        title="conv1 filters"), out, "conv1_filters.png")
    maps = feature_maps(net, preds.images[1])
    save(plots.channels(maps["conv1"], ncols=6, size=1.0, title="conv1 feature maps"), out,
         "conv1_maps.png")
    save(plots.channels(maps["pool2"], ncols=8, size=0.8, title="pool2: the 400 features"),
         out, "pool2_maps.png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    parser.add_argument("--out", default=os.path.join(ROOT, "course", "images"))
    args = parser.parse_args(argv)
    plots.use_style()
    data_figures(args.data, args.out)
    network_figures(args.data, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
