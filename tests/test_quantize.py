"""`lenet5 quantize`: int8 static quantization with onnxruntime, calibrated on training images."""
import json
import os

import numpy as np
import pytest

from helpers import SAMPLE, assert_one_line_error, run_cli
from lenet5.deploy.export import read_test_vectors


@pytest.fixture(scope="module")
def quantized(trained_ckpt, tmp_path_factory):
    from lenet5 import cli
    out = tmp_path_factory.mktemp("int8")
    fp32 = tmp_path_factory.mktemp("fp32")
    assert cli.main(["quantize", "--ckpt", str(trained_ckpt), "--out", str(out),
                     "--data_url", SAMPLE]) == 0
    assert cli.main(["export", "--ckpt", str(trained_ckpt), "--out", str(fp32),
                     "--data_url", SAMPLE]) == 0
    return out, fp32 / "lenet5.onnx"


@pytest.mark.slow
def test_files(quantized):
    out, _ = quantized
    assert sorted(os.listdir(out)) == ["lenet5-int8.onnx", "lenet5-int8.onnx.json",
                                       "quantization.json", "test_data_set_0"]


@pytest.mark.slow
def test_int8_accuracy_within_0_3_points_of_fp32(quantized):
    from lenet5.data import labelled_images
    from lenet5.deploy.onnx_model import OnnxModel, accuracy
    out, fp32 = quantized
    images, labels = labelled_images(SAMPLE, split="test")
    assert len(labels) == 2000
    fp32_accuracy, _ = accuracy(OnnxModel(fp32), images, labels)
    int8_accuracy, _ = accuracy(OnnxModel(out / "lenet5-int8.onnx"), images, labels)
    assert fp32_accuracy > 0.9
    assert int8_accuracy >= fp32_accuracy - 0.003
    report = json.loads((out / "quantization.json").read_text())
    assert report["fp32_accuracy"] == fp32_accuracy and report["int8_accuracy"] == int8_accuracy


@pytest.mark.slow
def test_int8_file_at_most_35_percent_of_fp32(quantized):
    out, fp32 = quantized
    ratio = os.path.getsize(out / "lenet5-int8.onnx") / os.path.getsize(fp32)
    assert ratio <= 0.35
    report = json.loads((out / "quantization.json").read_text())
    assert report["int8_bytes"] == os.path.getsize(out / "lenet5-int8.onnx")
    assert abs(report["fp32_bytes"] - os.path.getsize(fp32)) < 100  # same export, other checkpoint path


@pytest.mark.slow
def test_weights_are_stored_as_int8(quantized):
    import onnx
    from onnx import TensorProto
    model = onnx.load(quantized[0] / "lenet5-int8.onnx")
    types = {t.name: t.data_type for t in model.graph.initializer}
    for layer in ("conv1", "conv2", "fc1", "fc2", "fc3"):
        assert types[f"{layer}.weight_quantized"] == TensorProto.INT8
        assert types[f"{layer}.bias_quantized"] == TensorProto.INT32
    assert not any(t == TensorProto.FLOAT and t_name.endswith("weight")
                   for t_name, t in types.items())


@pytest.mark.slow
def test_int8_sidecar_and_test_vectors(quantized):
    from lenet5.deploy.onnx_model import OnnxModel
    out, _ = quantized
    side = json.loads((out / "lenet5-int8.onnx.json").read_text())
    assert side["quantization"]["weights"] == "int8, per channel"
    assert side["quantization"]["calibration_split"] == "train"
    assert side["input"]["name"] == "image" and side["preprocessing"]["resize"] == [32, 32]
    (inputs, outputs), = read_test_vectors(out)
    got = OnnxModel(out / "lenet5-int8.onnx").session.run(None, inputs)[0]
    np.testing.assert_allclose(got, outputs["logits"], rtol=1e-3, atol=1e-5)


def test_quantize_bad_input_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    broken = tmp_path / "broken.ckpt"
    broken.write_text("no")
    for args, match in (
            (["--ckpt", tmp_path / "none.ckpt"], "does not exist"),
            (["--ckpt", broken, "--data_url", tmp_path / "nodata"], "does not exist"),
            (["--ckpt", broken, "--calibration", "0"], "--calibration must be at least 1"),
            (["--ckpt", broken], "is not a readable MindSpore checkpoint")):
        assert_one_line_error(*run_cli(capsys, "quantize", "--out", out, "--data_url", SAMPLE,
                                       *args), match)
        assert not out.exists()
