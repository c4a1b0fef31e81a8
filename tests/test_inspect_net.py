import numpy as np
import pytest

import lenet5
from lenet5 import LeNet5, count_parameters
from lenet5.analysis.baselines import baseline
from lenet5.analysis.layers import feature_maps, format_table, layer_outputs, layer_table, trace


@pytest.fixture(scope="module", autouse=True)
def cpu():
    lenet5.setup_device("CPU", seed=0)


def test_lenet5_layer_table():
    rows = layer_table(LeNet5())
    assert [(r.name, r.output_shape) for r in rows if r.kind not in ("ReLU",)] == [
        ("input", (1, 1, 32, 32)), ("conv1", (1, 6, 28, 28)), ("pool", (1, 6, 14, 14)),
        ("conv2", (1, 16, 10, 10)), ("pool", (1, 16, 5, 5)), ("flatten", (1, 400)),
        ("fc1", (1, 120)), ("fc2", (1, 84)), ("fc3", (1, 10))]
    params = {r.name: r.parameters for r in rows if r.parameters}
    assert params == {"conv1": 6 * 25 + 6, "conv2": 16 * 6 * 25 + 16, "fc1": 400 * 120 + 120,
                      "fc2": 120 * 84 + 84, "fc3": 84 * 10 + 10}
    assert sum(r.parameters for r in rows) == count_parameters(LeNet5()) == 61706
    macs = {r.name: r.macs for r in rows if r.macs}
    assert macs["conv1"] == 6 * 28 * 28 * 25 and macs["fc1"] == 400 * 120


def test_classic_has_relu_after_dense_and_course_does_not():
    kinds = lambda net: [r.kind for r in layer_table(net)]  # noqa: E731
    assert kinds(LeNet5()).count("ReLU") == 4
    assert kinds(LeNet5(variant="course")).count("ReLU") == 2


def test_format_table_totals():
    text = format_table(layer_table(LeNet5()))
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in text.splitlines()]
    assert rows[0] == ["layer", "type", "output shape", "parameters", "MACs"]
    assert rows[-1] == ["total", "", "", "61,706", "416,520"]


def test_trace_restores_graph_mode_and_matches_forward():
    import mindspore as ms
    net = LeNet5()
    x = np.random.default_rng(1).normal(size=(2, 1, 32, 32)).astype(np.float32)
    steps = trace(net, x)
    assert ms.get_context("mode") == ms.GRAPH_MODE
    assert np.allclose(steps[-1].output, net(ms.Tensor(x)).asnumpy(), atol=1e-5)


def test_feature_maps_names_and_shapes():
    maps = feature_maps(LeNet5(), np.zeros((1, 32, 32), np.float32))
    assert {k: v.shape for k, v in maps.items()} == {
        "conv1": (6, 28, 28), "pool1": (6, 14, 14), "conv2": (16, 10, 10), "pool2": (16, 5, 5)}


def test_mlp_table():
    rows = layer_table(baseline("mlp-mxnet"), (1, 1, 28, 28))
    assert rows[-1].output_shape == (1, 10)
    assert sum(r.parameters for r in rows) == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10


def test_layer_outputs_of_a_batch_match_one_image_at_a_time():
    net = LeNet5()
    images = np.random.default_rng(2).normal(size=(3, 1, 32, 32)).astype(np.float32)
    batch = layer_outputs(net, images)
    assert batch["pool2"].shape == (3, 16, 5, 5)
    single = feature_maps(net, images[2])
    assert np.allclose(batch["conv2"][2], single["conv2"], atol=1e-5)
    assert list(layer_outputs(net, images, kinds=("Dense",))) == ["fc1", "fc2", "fc3"]
