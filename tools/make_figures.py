"""Draw the figures of the lesson text into course/images/ (``make figures``, about a minute).

    python tools/make_figures.py [--data MNIST/] [--out course/images]
    python tools/make_figures.py --lang zh_CN    # the Chinese lessons' copies: course/images/zh/

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


# The texts these figures write themselves, in the other languages (plots.LABELS has the
# package's own); English is the texts themselves.
TEXT = {
    "en": {},
    "zh_CN": {"train": "训练集", "test": "测试集", "raw": "原始图像", "every step": "每一步",
              "moving average (25 steps)": "滑动平均（25 步）",
              "training step (batch of 32)": "训练步（批次大小 32）", "loss": "损失",
              "true": "真实", "pred": "预测", "conv1 filters": "conv1 的卷积核",
              "conv1 feature maps": "conv1 的特征图", "pool2: the 400 features": "pool2：400 个特征"},
}
lang = "en"


def tr(text):
    """``text`` in the language of the figures being drawn."""
    return TEXT[lang].get(text, text)


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
    save(plots.class_counts({tr("train"): np.bincount(labels, minlength=10),
                             tr("test"): np.bincount(test_labels, minlength=10)}), out,
         "class_counts.png")
    x, stages = images[0][:, :, None], []
    stages.append((tr("raw"), x))
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
    ax.plot(steps, result.step_losses, color="0.8", lw=0.8, label=tr("every step"))
    plots.curves({tr("moving average (25 steps)"): (steps, result.step_losses)}, ax=ax, smooth=25,
                 xlabel=tr("training step (batch of 32)"), ylabel=tr("loss"))
    save(fig, out, "loss_curve.png")

    preds = collect(net, lenet5.create_dataset(data, split="test", batch_size=250))
    print(f"course recipe, seed 1: test accuracy {preds.accuracy:.2%}")
    save(plots.confusion(preds.confusion_matrix()), out, "confusion.png")
    wrong = preds.mistakes()[:12]
    save(plots.digit_grid(preds.images[wrong],
                          [f"{tr('true')} {preds.labels[i]}\n{tr('pred')} {preds.predicted[i]} "
                           f"{preds.confidence[i]:.0%}" for i in wrong], ncols=12, size=0.8),
         out, "mistakes.png")

    save(plots.channels(net.conv1.weight.asnumpy()[:, 0], ncols=6, size=1.0, symmetric=True,
                        title=tr("conv1 filters")), out, "conv1_filters.png")
    maps = feature_maps(net, preds.images[1])
    save(plots.channels(maps["conv1"], ncols=6, size=1.0, title=tr("conv1 feature maps")), out,
         "conv1_maps.png")
    save(plots.channels(maps["pool2"], ncols=8, size=0.8, title=tr("pool2: the 400 features")),
         out, "pool2_maps.png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    parser.add_argument("--lang", choices=sorted(TEXT), default="en",
                        help="zh_CN: Chinese labels, into course/images/zh/ by default")
    parser.add_argument("--out", help="default: course/images (course/images/zh for zh_CN)")
    args = parser.parse_args(argv)
    global lang
    lang = args.lang
    args.out = args.out or os.path.join(ROOT, "course", "images", *(["zh"] if args.lang != "en" else []))
    os.makedirs(args.out, exist_ok=True)
    plots.use_style(lang=args.lang)
    data_figures(args.data, args.out)
    network_figures(args.data, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
