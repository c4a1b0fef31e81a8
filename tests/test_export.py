"""`lenet5 export`: MINDIR/ONNX/AIR files, sidecar JSON, ONNX Model Zoo test vectors."""
import json
import os

import numpy as np
import pytest

from helpers import SAMPLE, assert_one_line_error, run_cli
from lenet5.data import MNIST_MEAN, MNIST_STD, create_dataset, load_arrays, preprocess
from lenet5.deploy.export import read_test_vectors


def test_preprocess_is_the_training_pipeline():
    images, _ = load_arrays(SAMPLE, split="test")
    batch = next(create_dataset(SAMPLE, "test", batch_size=64, shuffle=False)
                 .create_tuple_iterator(output_numpy=True))[0]
    assert np.array_equal(preprocess(images[:64]), batch)
    assert preprocess(images[:2], resize=(28, 28)).shape == (2, 1, 28, 28)


@pytest.fixture(scope="module")
def exported(trained_ckpt, tmp_path_factory):
    """The trained checkpoint exported as ONNX (batch 1) and MINDIR (batch 50)."""
    import lenet5
    from lenet5 import cli
    out = tmp_path_factory.mktemp("export")
    assert cli.main(["export", "--ckpt", str(trained_ckpt), "--out", str(out),
                     "--data_url", SAMPLE]) == 0
    assert cli.main(["export", "--ckpt", str(trained_ckpt), "--out", str(out), "--format",
                     "mindir", "--batch", "50", "--data_url", SAMPLE]) == 0
    net = lenet5.load_checkpoint(trained_ckpt, lenet5.LeNet5())
    images, labels = next(create_dataset(SAMPLE, "test", batch_size=2000, shuffle=False)
                          .create_tuple_iterator(output_numpy=True))
    return out, net, images, labels


def mindspore_logits(net, images):
    import mindspore as ms
    return np.concatenate([net(ms.Tensor(images[i:i + 500])).asnumpy()
                           for i in range(0, len(images), 500)])


@pytest.mark.slow
def test_files_written(exported):
    out = exported[0]
    assert sorted(os.listdir(out)) == ["lenet5.mindir", "lenet5.mindir.json", "lenet5.onnx",
                                       "lenet5.onnx.json", "test_data_set_0"]
    assert sorted(os.listdir(out / "test_data_set_0")) == ["input_0.pb", "output_0.pb"]


@pytest.mark.slow
def test_onnx_passes_checker_and_sidecar_says_how_to_feed_it(exported, trained_ckpt):
    import onnx
    out = exported[0]
    model = onnx.load(out / "lenet5.onnx")
    onnx.checker.check_model(model, full_check=True)
    side = json.loads((out / "lenet5.onnx.json").read_text())
    assert side["input"] == {"name": "image", "shape": [1, 1, 32, 32], "dtype": "float32",
                             "layout": "NCHW"}
    assert [i.name for i in model.graph.input] == ["image"]
    assert [o.name for o in model.graph.output] == [side["output"]["name"]] == ["logits"]
    assert side["preprocessing"]["mean"] == MNIST_MEAN and side["preprocessing"]["std"] == MNIST_STD
    assert side["preprocessing"]["resize"] == [32, 32]
    assert side["class_names"] == [str(d) for d in range(10)]
    assert side["opset"] == model.opset_import[0].version
    assert side["source_checkpoint"]["path"] == str(trained_ckpt)
    assert side["bytes"] == os.path.getsize(out / "lenet5.onnx")
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["preprocessing"]) == side["preprocessing"]


@pytest.mark.slow
def test_onnxruntime_matches_mindspore_on_the_whole_test_split(exported):
    from lenet5.deploy.onnx_model import OnnxModel
    out, net, images, labels = exported
    expected = mindspore_logits(net, images)
    got = OnnxModel(out / "lenet5.onnx")(images)
    assert len(images) == 2000 and got.shape == (2000, 10)
    assert np.abs(got - expected).max() <= 1e-4
    assert np.array_equal(got.argmax(1), expected.argmax(1))


@pytest.mark.slow
def test_mindir_reloads_as_graphcell_and_matches(exported):
    import mindspore as ms
    out, net, images, _ = exported
    graph = ms.nn.GraphCell(ms.load(str(out / "lenet5.mindir")))
    got = np.concatenate([graph(ms.Tensor(images[i:i + 50])).asnumpy()
                          for i in range(0, len(images), 50)])
    assert np.abs(got - mindspore_logits(net, images)).max() <= 1e-4
    assert json.loads((out / "lenet5.mindir.json").read_text())["input"]["shape"] == [50, 1, 32, 32]


@pytest.mark.slow
def test_test_vectors_run_as_the_model_zoo_runs_them(exported):
    from lenet5.deploy.onnx_model import OnnxModel
    out, net, images, _ = exported
    (inputs, outputs), = read_test_vectors(out)
    assert list(inputs) == ["image"] and list(outputs) == ["logits"]
    assert np.array_equal(inputs["image"], images[:1])  # the first test image
    model = OnnxModel(out / "lenet5.onnx")
    got = model.session.run(None, inputs)[0]
    np.testing.assert_allclose(got, outputs["logits"], rtol=1e-3, atol=1e-5)
    assert np.allclose(outputs["logits"], mindspore_logits(net, images[:1]), atol=1e-4)


@pytest.mark.slow
def test_export_bad_input_writes_nothing(trained_ckpt, tmp_path, capsys):
    out = tmp_path / "out"
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes(b"\x00" * 100)
    wrong = tmp_path / "mlp.ckpt"
    import lenet5
    from lenet5.analysis.baselines import baseline
    lenet5.save_checkpoint(baseline("mlp-mxnet"), wrong)
    for args, match in (
            (["--format", "AIR"], "AIR export needs an Ascend NPU"),
            (["--format", "TFLITE"], "unknown export format 'TFLITE'"),
            (["--batch", "0"], "--batch must be at least 1"),
            (["--data_url", tmp_path / "nodata"], "does not exist"),
            (["--ckpt", tmp_path / "none.ckpt"], "does not exist"),
            (["--ckpt", broken], "is not a readable MindSpore checkpoint"),
            (["--ckpt", wrong], "does not fit this network")):
        args = ["--ckpt", trained_ckpt, "--out", out, "--data_url", SAMPLE] + args
        assert_one_line_error(*run_cli(capsys, "export", *args), match)
        assert not out.exists()


def test_same_network_exports_twice(tmp_path):
    """MindSpore 2.10 fails on a second ONNX export of one Cell; export() works around it."""
    import lenet5
    from lenet5.deploy.export import export
    lenet5.setup_device("CPU")
    net = lenet5.LeNet5()
    first = export(net, tmp_path / "a", "ONNX")
    second = export(net, tmp_path / "b", "ONNX")
    assert first["max_abs_diff"] <= 1e-4 and second["max_abs_diff"] <= 1e-4
    assert not os.path.exists(tmp_path / "a" / "test_data_set_0")  # no data: no test vectors


def test_a_network_left_in_training_mode_exports_maxpool(tmp_path):
    """LeNet5 trains its pooling with AdaptiveMaxPool2D on CPU; the export is the inference graph."""
    import onnx
    import lenet5
    from lenet5.deploy.export import export
    lenet5.setup_device("CPU")
    net = lenet5.LeNet5()
    net.set_train(True)  # as lenet5.train leaves it
    result = export(net, tmp_path, "ONNX")
    ops = {node.op_type for node in onnx.load(result["model"]).graph.node}
    assert "MaxPool" in ops and not any("Adaptive" in op for op in ops)
