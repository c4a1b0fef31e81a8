"""`lenet5 footprint`: per-layer parameters and MACs checked by hand, memory, latency."""
import json

import pytest

from helpers import SAMPLE, assert_one_line_error, run_cli
from lenet5.deploy.footprint import build, layers, peak_activation_values


@pytest.fixture(scope="module")
def onnx_files(tmp_path_factory):
    """Fresh (untrained) networks exported to ONNX: sizes and MACs do not depend on weights."""
    import lenet5
    from lenet5.deploy.export import export
    lenet5.setup_device("CPU", seed=0)
    out = tmp_path_factory.mktemp("footprint")
    return {name: export(build(name), out, "ONNX", name=name)["model"]
            for name in ("lenet5", "mlp-mxnet", "mlp-int8")}


def test_lenet5_layers_by_hand(onnx_files):
    import lenet5
    rows = {r.name: r for r in layers(onnx_files["lenet5"])}
    assert list(rows) == ["conv1", "relu1", "maxpool1", "conv2", "relu2", "maxpool2", "flatten1",
                          "fc1", "relu3", "fc2", "relu4", "fc3"]
    # parameters: weights + biases
    by_hand = {"conv1": 6 * 1 * 5 * 5 + 6, "conv2": 16 * 6 * 5 * 5 + 16, "fc1": 400 * 120 + 120,
               "fc2": 120 * 84 + 84, "fc3": 84 * 10 + 10}
    assert {k: rows[k].params for k in by_hand} == by_hand
    assert sum(r.params for r in rows.values()) == 61_706 == lenet5.count_parameters(
        lenet5.LeNet5())
    # MACs: output values x products per output value
    macs = {"conv1": (6 * 28 * 28) * (1 * 5 * 5), "conv2": (16 * 10 * 10) * (6 * 5 * 5),
            "fc1": 120 * 400, "fc2": 84 * 120, "fc3": 10 * 84}
    assert macs == {"conv1": 117_600, "conv2": 240_000, "fc1": 48_000, "fc2": 10_080, "fc3": 840}
    assert {k: rows[k].macs for k in macs} == macs
    assert sum(r.macs for r in rows.values()) == 416_520
    assert rows["conv2"].output_shape == (16, 10, 10) and rows["flatten1"].output_shape == (400,)
    # bytes: fp32 4 per value; int8 1 per weight + 4 per (int32) bias
    assert rows["fc1"].fp32_bytes == 4 * 48_120
    assert rows["fc1"].int8_bytes == 48_000 + 4 * 120
    assert rows["conv1"].int8_bytes == 150 + 4 * 6
    # peak: max-pool 1 reads conv1's ReLU'd 6x28x28 and writes 6x14x14 (input 1x32x32 is freed)
    assert peak_activation_values(onnx_files["lenet5"]) == 6 * 28 * 28 + 6 * 14 * 14


@pytest.mark.parametrize("name, params, macs, peak", [
    ("mlp-mxnet", 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10,
     784 * 128 + 128 * 64 + 64 * 10, 784 + 128),
    ("mlp-int8", 784 * 500 + 500 + 500 * 10 + 10, 784 * 500 + 500 * 10, 784 + 500)])
def test_mlp_baselines_by_hand(onnx_files, name, params, macs, peak):
    import lenet5
    rows = layers(onnx_files[name])
    assert sum(r.params for r in rows) == params == lenet5.count_parameters(build(name))
    assert sum(r.macs for r in rows) == macs
    assert peak_activation_values(onnx_files[name]) == peak
    dense = ["layers.0", "layers.2", "layers.4"] if name == "mlp-mxnet" else ["layers.0",
                                                                                "layers.2"]
    assert [r.name for r in rows if r.op == "Gemm"] == dense


def test_networks_say_what_input_they_read():
    assert build("lenet5").input_size == (32, 32)
    assert build("mlp-mxnet").input_size == build("mlp-int8").input_size == (28, 28)


@pytest.mark.slow
def test_cli_footprint_tables_and_json(tmp_path, capsys):
    path = tmp_path / "footprint.json"
    code, out, err = run_cli(capsys, "footprint", "--models", "lenet5", "mlp-int8", "--runs", "20",
                             "--data_url", SAMPLE, "--json", path)
    assert code == 0, err
    results = json.loads(path.read_text())
    assert [r["model"] for r in results] == ["LeNet5", "MLP 784-500-10"]
    lenet = results[0]
    assert lenet["params"] == 61_706 and lenet["macs"] == 416_520
    assert lenet["peak_activation_bytes"] == {"fp32": 4 * 5880, "int8": 5880}
    assert lenet["weight_bytes"]["fp32"] == 4 * 61_706
    for r in results:
        assert r["latency_us"]["fp32"] > 0 and r["latency_us"]["int8"] > 0
        assert r["file_bytes"]["int8"] < 0.35 * r["file_bytes"]["fp32"]
    assert "| conv1    | Conv" in out and "| LeNet5 " in out and "416,520" in out


def test_footprint_bad_input(tmp_path, capsys):
    for args, match in ((["--runs", "0"], "--runs must be at least 1"),
                        (["--models", "resnet"], "invalid choice: 'resnet'"),
                        (["--ckpt", tmp_path / "none.ckpt"], "does not exist"),
                        (["--data_url", tmp_path / "nodata"], "does not exist")):
        assert_one_line_error(*run_cli(capsys, "footprint", *args, "--json", tmp_path / "f.json"),
                              match)
    assert list(tmp_path.iterdir()) == []
