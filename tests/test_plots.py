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
