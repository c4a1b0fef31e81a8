import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lenet5.analysis import plots  # noqa: E402
from lenet5.analysis.layers import LayerRow  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    plots.use_style()
    yield
    plt.close("all")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + \
           [ax.get_title() for ax in fig.axes]


def test_digit_grid_layout_and_captions():
    images = np.zeros((12, 28, 28), np.uint8)
    fig = plots.digit_grid(images, [str(i) for i in range(12)], ncols=5)
    assert len(fig.axes) == 15  # 3 rows of 5
    assert [ax.get_title() for ax in fig.axes[:12]] == [str(i) for i in range(12)]
    assert sum(bool(ax.images) for ax in fig.axes) == 12
    fig = plots.digit_grid(np.zeros((3, 1, 32, 32)))  # network input form
    assert fig.axes[0].images[0].get_array().shape == (32, 32)
    # the style's: MNIST as stored, 0 = black background, 255 = white ink
    assert fig.axes[0].images[0].get_cmap().name == "gray"


def test_confusion_annotates_nonzero_counts():
    fig = plots.confusion(np.array([[5, 1], [0, 7]]), class_names=["a", "b"])
    assert sorted(texts(fig)[:-1]) == ["1", "5", "7"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b"]


def test_curves_smoothing_shortens_the_line():
    fig = plots.curves({"run": (np.arange(10), np.arange(10.0))}, smooth=4)
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == 7 and line.get_ydata()[0] == pytest.approx(1.5)


def test_architecture_is_drawn_from_the_table():
    rows = [LayerRow("input", "", (1, 1, 32, 32), 0, 0),
            LayerRow("conv1", "Conv2d", (1, 6, 28, 28), 156, 117600),
            LayerRow("relu", "ReLU", (1, 6, 28, 28), 0, 0),
            LayerRow("flatten", "Flatten", (1, 4704), 0, 0),
            LayerRow("fc", "Dense", (1, 10), 47050, 47040)]
    labels = texts(plots.architecture(rows))
    assert "input\n1@32x32" in labels and "conv1\n6@28x28" in labels and "fc\n10" in labels
    assert "conv\n156 params\n+ ReLU" in labels and "dense\n47,050 params" in labels


def test_channels_class_counts_probabilities():
    fig = plots.channels(np.arange(150.0).reshape(6, 5, 5) - 20, ncols=3)
    assert len(fig.axes) == 6 + 1  # six maps and one colour bar
    shown = [ax.images[0] for ax in fig.axes[:6]]
    assert {im.get_clim() for im in shown} == {(-129.0, 129.0)}  # one scale, 0 in the middle
    fig = plots.channels(np.arange(150.0).reshape(6, 5, 5), ncols=3)  # after a ReLU: from 0
    assert {ax.images[0].get_clim() for ax in fig.axes[:6]} == {(0.0, 149.0)}
    fig = plots.class_counts({"train": np.ones(10), "test": np.ones(10)})
    assert len(fig.axes[0].patches) == 20
    fig = plots.probabilities(np.full(10, 0.1), label=3)
    assert len(fig.axes[0].patches) == 10


def glyphs_missing(fig):
    """Warnings matplotlib gives for characters its fonts cannot draw (they become boxes)."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def test_chinese_labels_with_an_installed_font_or_the_shipped_one(monkeypatch):
    """lang="zh_CN": the module's own labels in Chinese, drawn with a font that has the glyphs:
    an installed one if there is one, else the subset that ships with the package."""
    for fonts in (plots.CJK_FONTS, ["No Such Font"]):
        monkeypatch.setattr(plots, "CJK_FONTS", fonts)
        plots.use_style(lang="zh_CN")
        assert matplotlib.rcParams["font.family"][0] == "DejaVu Sans"  # Latin text as in English
        fig = plots.confusion(np.eye(3, dtype=int) * 5)
        assert fig.axes[0].get_xlabel() == "预测类别" and fig.axes[0].get_ylabel() == "真实类别"
        fig.axes[0].set_title("训练步 32")
        assert not glyphs_missing(fig)
        plt.close("all")
    assert matplotlib.rcParams["font.family"][1] == "lenet5 CJK subset"
    plots.use_style()
    assert plots.curves({"a": ([1, 2], [1, 0])}).axes[0].get_xlabel() == "step"
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"]
    with pytest.raises(ValueError, match="lang"):
        plots.use_style(lang="fr")
