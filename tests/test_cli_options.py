"""Each documented option of the `lenet5` subcommands that other tests do not run, with its
real effect checked. Networks here are untrained (initial weights, seed 1): the options'
effects do not depend on the values."""
import json
import os

import numpy as np
import pytest

from helpers import SAMPLE, assert_one_line_error, run_cli

EXAMPLE = os.path.join(os.path.dirname(SAMPLE), "examples", "digits", "3.png")


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    """Checkpoints of a 12-class classic LeNet5 and of the course form (10 classes)."""
    import lenet5
    lenet5.setup_device("CPU", seed=1)
    folder = tmp_path_factory.mktemp("ckpts")
    lenet5.save_checkpoint(lenet5.LeNet5(12), folder / "c12.ckpt")
    lenet5.save_checkpoint(lenet5.LeNet5(variant="course"), folder / "course.ckpt")
    return folder


def test_predict_num_classes_top_and_device(ckpts, capsys):
    code, out, err = run_cli(capsys, "predict", EXAMPLE, "--ckpt", ckpts / "c12.ckpt",
                             "--num_classes", 12, "--top", 12, "--json", "--device_target", "cpu")
    assert code == 0, err
    probabilities = json.loads(out)["probabilities"]
    assert sorted(map(int, probabilities)) == list(range(12))
    assert sum(probabilities.values()) == pytest.approx(1, abs=1e-4)


def test_predict_takes_the_variant_from_the_checkpoint(ckpts, capsys):
    """The checkpoint records the course form (no conv biases): predict builds that; forcing
    the classic form on it is a one-line error."""
    code, out, err = run_cli(capsys, "predict", EXAMPLE, "--ckpt", ckpts / "course.ckpt",
                             "--json", "--top", 10)
    assert code == 0 and len(json.loads(out)["probabilities"]) == 10, err
    assert_one_line_error(*run_cli(capsys, "predict", EXAMPLE, "--ckpt", ckpts / "course.ckpt",
                                   "--variant", "classic"), "does not fit this network")


def test_export_name_classes_and_variant(ckpts, tmp_path, capsys):
    import onnx
    code, _, err = run_cli(capsys, "export", "--ckpt", ckpts / "c12.ckpt", "--num_classes", 12,
                           "--name", "net12", "--out", tmp_path / "a", "--data_url", SAMPLE)
    assert code == 0, err
    assert sorted(os.listdir(tmp_path / "a")) == ["net12.onnx", "net12.onnx.json",
                                                  "test_data_set_0"]
    model = onnx.load(tmp_path / "a" / "net12.onnx")
    assert model.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 12
    code, _, err = run_cli(capsys, "export", "--ckpt", ckpts / "course.ckpt", "--variant",
                           "course", "--out", tmp_path / "b", "--data_url", SAMPLE)
    assert code == 0, err
    relus = [n for n in onnx.load(tmp_path / "b" / "lenet5.onnx").graph.node
             if n.op_type == "Relu"]
    assert len(relus) == 2  # after the two convolutions only: the course form's head is linear


@pytest.mark.slow
def test_quantize_per_tensor_name_and_variant(ckpts, tmp_path, capsys):
    code, _, err = run_cli(capsys, "quantize", "--ckpt", ckpts / "course.ckpt", "--variant",
                           "course", "--per_tensor", "--name", "mine", "--calibration", 50,
                           "--out", tmp_path, "--data_url", SAMPLE)
    assert code == 0, err
    report = json.loads((tmp_path / "quantization.json").read_text())
    assert report["model"] == "mine-int8.onnx" and (tmp_path / "mine-int8.onnx").exists()
    assert report["method"]["weights"] == "int8, per tensor"
    assert report["method"]["calibration_images"] == 50


@pytest.mark.slow
def test_footprint_of_a_checkpoint_in_the_course_form(ckpts, tmp_path, capsys):
    code, out, err = run_cli(capsys, "footprint", "--models", "lenet5", "--ckpt",
                             ckpts / "course.ckpt", "--variant", "course", "--runs", 5,
                             "--data_url", SAMPLE)
    assert code == 0, err
    rows = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ")]
    assert rows[rows.index("fc1") + 1] == "fc2"  # no ReLU between the Dense layers


def test_doctor_for_cpu_explicitly():
    from test_doctor import run_doctor
    proc = run_doctor("--device_target", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert "target          CPU\n" in proc.stdout
    assert "all good: `python main.py --device_target CPU` will train on CPU" in proc.stdout


def test_data_download_options(tmp_path, capsys):
    """--retries is checked; --mirror with a local folder and --force replace other data."""
    from helpers import write_split
    assert_one_line_error(*run_cli(capsys, "data", "download", "--retries", 0),
                          "--retries must be at least 1, got 0")
    write_split(tmp_path / "d" / "train", "train", 16)
    args = ["data", "download", "--dataset", "mnist", "--dest", tmp_path / "d", "--mirror",
            tmp_path / "empty-mirror", "--retries", 1]
    (tmp_path / "empty-mirror").mkdir()
    assert_one_line_error(*run_cli(capsys, *args), "already holds other data")
    code, out, err = run_cli(capsys, *args, "--force")
    assert code == 2 and "cannot download MNIST" in err  # --force passed the guard: the
    assert err.count("\n") == 1                           # empty mirror has no files


def test_data_info_json(capsys):
    code, out, _ = run_cli(capsys, "data", "info", SAMPLE, "--json")
    report = json.loads(out)
    assert code == 0 and report["splits"]["test"]["count"] == 2000
    assert np.isclose(report["splits"]["train"]["pixel_mean"], 0.1312, atol=1e-4)
