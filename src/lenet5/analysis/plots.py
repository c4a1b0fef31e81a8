"""The course's figures, with one fixed style (needs matplotlib: ``pip install -e .[notebooks]``).

Every function returns the matplotlib ``Figure`` (or draws into ``ax``); in a notebook end the
cell with ``plt.show()``; ``tools/make_figures.py`` saves the same figures for the lessons.
"""
import os

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

STYLE = {
    "figure.dpi": 80,  # small PNGs: notebooks are committed with their outputs
    "savefig.dpi": 80,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "image.cmap": "gray",  # MNIST as stored: 0 = black background, 255 = white ink
    "axes.prop_cycle": mpl.cycler(color=plt.get_cmap("tab10").colors),
}


# The texts this module writes itself, in the other languages (English: the texts themselves;
# the notebooks translate their own labels).
LABELS = {
    "en": {},
    "zh_CN": {"step": "训练步", "loss": "损失", "class": "类别", "images": "图像数",
              "predicted": "预测类别", "true": "真实类别", "conv": "卷积", "max pool": "最大池化",
              "avg pool": "平均池化", "flatten": "展平", "dense": "全连接", "params": "个参数"},
}
# Fonts with Chinese glyphs, the first one installed wins: Debian/Ubuntu (fonts-noto-cjk,
# fonts-wqy-microhei), macOS, Windows; the subset shipped with the package covers every text of
# the Chinese notebooks when none is installed (e.g. on ModelArts), so no label becomes boxes.
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC",
             "Microsoft YaHei", "SimHei"]
SUBSET_FONT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts", "lenet5-cjk-subset.otf")
_lang = "en"


def use_style(lang="en"):
    """Apply the course style to every later figure; ``lang="zh_CN"``: Chinese labels, with a
    font that has Chinese glyphs."""
    global _lang
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {sorted(LABELS)}, not {lang!r}")
    mpl.rcParams.update(STYLE)
    mpl.rcParams["font.family"] = ["DejaVu Sans"] + ([cjk_font()] if lang != "en" else [])
    _lang = lang


def cjk_font():
    """The family name of the first installed font with Chinese glyphs (the shipped subset if
    none is)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    font_manager.fontManager.addfont(SUBSET_FONT)
    return font_manager.FontProperties(fname=SUBSET_FONT).get_name()


def label(text):
    """A text this module writes, in the language use_style chose."""
    return LABELS[_lang].get(text, text)


def _image(array):
    """(28, 28), (1, 32, 32) or (32, 32, 1) -> a 2-D array for imshow."""
    array = np.asarray(array)
    return array.reshape(array.shape[-2:]) if array.shape[0] == 1 else array.squeeze()


def digit_grid(images, titles=None, ncols=10, size=0.9, title=None, colors=None, cmap=None):
    """A grid of digits, each with an optional caption (e.g. its label).

    The default colour map is grey from 0 = black to the highest value = white: MNIST's digits
    appear as they are stored, white ink on a black background, and a photo of dark ink on
    light paper appears as it is.
    """
    n = len(images)
    nrows = max(1, -(-n // ncols))
    ncols = min(ncols, n) or 1
    # Room for each caption: about 0.15 inch per line at font size 8.
    lines = max(str(t).count("\n") + 1 for t in titles) if titles is not None else 0
    caption = 0.15 * lines + 0.05 if lines else 0
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size + caption)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(_image(images[i]), interpolation="nearest", cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8,
                             color=colors[i] if colors is not None else "black")
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3)
    return fig


def class_counts(counts, class_names=None):
    """Grouped bars: ``counts`` maps a split name to per-class counts."""
    fig, ax = plt.subplots(figsize=(6, 2.6))
    num_classes = len(next(iter(counts.values())))
    x = np.arange(num_classes)
    width = 0.8 / len(counts)
    for i, (split, values) in enumerate(counts.items()):
        ax.bar(x + (i - (len(counts) - 1) / 2) * width, values, width, label=split)
    ax.set_xticks(x, class_names if class_names is not None else x)
    ax.set_xlabel(label("class"))
    ax.set_ylabel(label("images"))
    ax.legend(ncol=len(counts))
    fig.tight_layout()
    return fig


def curves(series, ax=None, xlabel=None, ylabel=None, smooth=1, title=None, log=False):
    """Line plot of ``{label: (x, y)}``; ``smooth`` > 1 averages over that many points; the axes
    are "step" and "loss" unless named."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    for name, (x, y) in series.items():
        x, y = np.asarray(x, float), np.asarray(y, float)
        if smooth > 1 and len(y) >= smooth:
            y = np.convolve(y, np.ones(smooth) / smooth, mode="valid")
            x = x[smooth - 1:]
        ax.plot(x, y, label=name, lw=1.2)
    ax.set_xlabel(label("step") if xlabel is None else xlabel)
    ax.set_ylabel(label("loss") if ylabel is None else ylabel)
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(True)
    ax.legend()
    ax.figure.tight_layout()
    return ax.figure


def confusion(matrix, class_names=None, ax=None):
    """A confusion matrix with its counts; rows are true classes, columns predictions."""
    matrix = np.asarray(matrix)
    n = len(matrix)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.4 * n + 1.5, 0.4 * n + 1.2))
    # Colour by share of the row, so that errors show up against the large diagonal.
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax.imshow(np.sqrt(share), cmap="Blues", vmin=0, vmax=1)
    names = class_names if class_names is not None else range(n)
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel(label("predicted"))
    ax.set_ylabel(label("true"))
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.spines[:].set_visible(False)
    ax.figure.tight_layout()
    return ax.figure


def channels(maps, title=None, ncols=8, size=0.8, cmap="viridis", symmetric=None):
    """Each channel of ``maps`` (C, H, W) as a small image (feature maps or filters), all on
    one colour scale, shown by a colour bar, so that equal colours mean equal values.

    ``symmetric`` (default: when ``maps`` has negative values, e.g. weights or outputs before
    the ReLU): a diverging scale, red positive, blue negative, white 0; else ``cmap`` from 0
    (dark) to the largest value (the ReLU's outputs)."""
    maps = np.asarray(maps)
    n = len(maps)
    symmetric = bool(maps.min() < 0) if symmetric is None else symmetric
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(ncols * size + 0.6, nrows * size + 0.3 * bool(title)))
    limit = float(np.abs(maps).max()) or 1.0
    scale = (dict(cmap="RdBu_r", vmin=-limit, vmax=limit) if symmetric
             else dict(cmap=cmap, vmin=0, vmax=limit))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            shown = ax.imshow(maps[i], **scale)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.2, rect=(0, 0, 1 - 0.5 / (ncols * size + 0.6), 1))
    fig.colorbar(shown, ax=axes.ravel().tolist(), fraction=0.03, pad=0.02)
    return fig


def probabilities(probs, ax=None, class_names=None, label=None):
    """A bar chart of one image's class probabilities; the true class ``label`` in another
    colour."""
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 1.8))
    n = len(probs)
    true_class = label
    colors = ["tab:green" if i == true_class else "tab:gray" for i in range(n)]
    ax.bar(range(n), probs, color=colors)
    ax.set_xticks(range(n), class_names if class_names is not None else range(n))
    ax.set_ylim(0, 1)
    ax.figure.tight_layout()
    return ax.figure


def architecture(rows, title=None):
    """A block diagram drawn from :func:`lenet5.analysis.layers.layer_table` rows.

    Feature maps are drawn as stacks (channels@height x width), vectors as bars; the operation
    that makes each block is written on the arrow into it. Activations are folded into the
    layer before them.
    """
    blocks = []  # (label under the block, shape, the operation that made it)
    for row in rows:
        if row.kind in ("ReLU", "Sigmoid", "Tanh"):
            if blocks:
                blocks[-1] = (*blocks[-1][:2], blocks[-1][2] + f"\n+ {row.kind}")
            continue
        op = {"": "", "Conv2d": "conv", "MaxPool2d": "max pool", "AvgPool2d": "avg pool",
              "Flatten": "flatten", "Dense": "dense"}.get(row.kind, row.kind)
        op = label(op) if op else op
        if row.parameters:
            op += f"\n{row.parameters:,} {label('params')}"
        shape = row.output_shape[1:]
        blocks.append((row.name, shape, op))

    step = 2.0  # data units between block centres; one unit is 0.6 inch
    fig, ax = plt.subplots(figsize=(0.6 * step * len(blocks), 2.6))
    ax.set_xlim(-0.8, step * (len(blocks) - 1) + 0.9)
    ax.set_ylim(-1.6, 1.6)
    ax.axis("off")
    for i, (name, shape, op) in enumerate(blocks):
        x = step * i
        if len(shape) == 3:  # C, H, W: a stack of up to 4 sheets, sized by H
            channels_, height, width = shape
            side = 0.3 + 0.6 * height / 32
            for k in reversed(range(min(channels_, 4))):
                ax.add_patch(mpl.patches.Rectangle(
                    (x - side / 2 + 0.07 * k, -side / 2 + 0.07 * k), side, side,
                    facecolor="tab:blue" if name == "input" else "tab:orange", alpha=0.35,
                    edgecolor="black", lw=0.6))
            text = f"{channels_}@{height}x{width}"
        else:  # a vector, sized by its length
            length = shape[0]
            tall = 0.2 + 1.1 * min(length, 400) / 400
            ax.add_patch(mpl.patches.Rectangle((x - 0.08, -tall / 2), 0.16, tall,
                                               facecolor="tab:green", alpha=0.4,
                                               edgecolor="black", lw=0.6))
            text = f"{length}"
        ax.text(x, -0.85, f"{name}\n{text}", ha="center", va="top", fontsize=8)
        if i:
            ax.annotate("", xy=(x - 0.55, 0), xytext=(x - step + 0.8, 0),
                        arrowprops=dict(arrowstyle="->", lw=0.8))
            ax.text(x - step / 2 + 0.1, 0.85, op, ha="center", va="bottom", fontsize=7,
                    color="0.25")
    if title:
        ax.set_title(title)
    return fig
