"""Checkpoints that describe themselves: a Fashion-MNIST and an EMNIST-letters checkpoint go
through main.py --eval_only, predict, export, quantize and serve with their own classes and
normalisation; old checkpoints without the record still load, with a note."""
import io
import json
import os
from dataclasses import replace

import mindspore as ms
import numpy as np
import pytest
from PIL import Image

import lenet5
from helpers import ROOT, assert_one_line_error, run_cli, run_main, write_split
from lenet5.checkpoint import CheckpointInfo
from lenet5.data import catalog, manifest
from lenet5.deploy import OnnxModel
from lenet5.deploy.serve import DigitReader
from lenet5.errors import CheckpointError

DIGIT = os.path.join(ROOT, "examples", "digits", "3.png")
# (dataset, mean and std of the synthetic folder's dataset.json; None: the catalogue's)
DATASETS = {"fashion": None, "emnist-letters": (0.1736, 0.3317)}


def make_folder(path, name):
    """A small folder of dataset ``name``: random images, every class in both splits, and the
    dataset.json the downloader writes (EMNIST's records its measured normalisation)."""
    classes = catalog.get(name).num_classes
    write_split(path / "train", "train", 4 * classes, num_classes=classes)
    write_split(path / "test", "test", 2 * classes, num_classes=classes, seed=1)
    stats = DATASETS[name] or (None, None)
    manifest.write(path, catalog.get(name), files={}, source="test", mean=stats[0],
                   std=stats[1])
    return path


@pytest.fixture(scope="module", params=sorted(DATASETS))
def trained(request, tmp_path_factory):
    """main.py trained one short epoch on a synthetic folder of the dataset: (name, folder,
    checkpoint, metrics)."""
    name = request.param
    base = tmp_path_factory.mktemp(name)
    data = make_folder(base / "data", name)
    proc = run_main("--dataset", name, "--data_url", data, "--epochs", 1, "--batch_size", 16,
                    "--train_url", base / "out", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    return name, data, base / "out" / "lenet5.ckpt", json.loads(
        (base / "out" / "metrics.json").read_text())


def expected(name):
    dataset = catalog.get(name)
    mean, std = DATASETS[name] or (dataset.mean, dataset.std)
    return dataset.classes, mean, std


@pytest.mark.slow
def test_the_checkpoint_records_its_dataset(trained):
    name, _, ckpt, metrics = trained
    net, info = lenet5.open_checkpoint(ckpt)
    classes, mean, std = expected(name)
    assert (info.dataset, info.classes, info.mean, info.std) == (name, classes, mean, std)
    assert info.variant == "classic" and info.input_size == (32, 32) and not info.assumed
    assert info.recipe["epochs"] == 1 and info.recipe["batch_size"] == 16
    assert info.versions["mindspore"] == ms.__version__
    assert int(net.fc3.weight.shape[0]) == len(classes) == metrics["num_classes"]


@pytest.mark.slow
def test_eval_only_takes_the_dataset_and_network_from_the_checkpoint(trained, tmp_path):
    name, data, ckpt, metrics = trained
    # no --dataset, --variant or --num_classes: the checkpoint says
    proc = run_main("--eval_only", "--ckpt", ckpt, "--data_url", data, "--train_url", tmp_path)
    assert proc.returncode == 0, proc.stderr
    again = json.loads((tmp_path / "metrics.json").read_text())
    assert again["dataset"] == name and again["classes"] == metrics["classes"]
    assert again["normalisation"] == metrics["normalisation"]
    assert again["accuracy"] == metrics["accuracy"]  # the same network on the same images
    assert os.listdir(tmp_path) == ["metrics.json"]  # evaluating writes no checkpoint


@pytest.mark.slow
def test_predict_answers_with_the_checkpoints_classes(trained, capsys):
    name, _, ckpt, _ = trained
    classes, _, _ = expected(name)
    code, out, err = run_cli(capsys, "predict", DIGIT, "--ckpt", ckpt, "--json", "--top", 2)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["label"] == classes[answer["class"]]
    assert set(answer["probabilities"]) <= set(classes) and len(answer["probabilities"]) == 2


@pytest.mark.slow
def test_export_and_quantize_carry_the_record(trained, tmp_path, capsys):
    name, data, ckpt, _ = trained
    classes, mean, std = expected(name)
    code, _, err = run_cli(capsys, "export", "--ckpt", ckpt, "--data_url", data, "--out",
                           tmp_path / "fp32")
    assert code == 0, err
    sidecar = json.loads((tmp_path / "fp32" / "lenet5.onnx.json").read_text())
    assert sidecar["class_names"] == list(classes) and sidecar["dataset"] == name
    assert (sidecar["preprocessing"]["mean"], sidecar["preprocessing"]["std"]) == (mean, std)
    code, _, err = run_cli(capsys, "quantize", "--ckpt", ckpt, "--data_url", data, "--out",
                           tmp_path / "int8", "--calibration", 20)
    assert code == 0, err
    for model in (tmp_path / "fp32" / "lenet5.onnx", tmp_path / "int8" / "lenet5-int8.onnx"):
        info = OnnxModel(model).info
        assert (info.dataset, info.classes, info.mean, info.std) == (name, classes, mean, std)
        code, out, err = run_cli(capsys, "predict", DIGIT, "--onnx", model, "--json")
        assert code == 0, err
        assert json.loads(out)["label"] in classes
    int8 = json.loads((tmp_path / "int8" / "lenet5-int8.onnx.json").read_text())
    assert int8["class_names"] == list(classes)


@pytest.mark.slow
def test_export_names_the_data_folder_it_needs(trained, tmp_path, capsys, monkeypatch):
    name, _, ckpt, _ = trained
    monkeypatch.chdir(tmp_path)  # no data/<dataset>/ here
    code, out, err = run_cli(capsys, "export", "--ckpt", ckpt, "--out", tmp_path / "e")
    assert_one_line_error(code, out, err, f"was trained on {name}")
    assert not (tmp_path / "e").exists()


@pytest.mark.slow
def test_serve_reads_drawings_with_the_checkpoints_classes(trained):
    name, _, ckpt, _ = trained
    classes, mean, std = expected(name)
    net, info = lenet5.open_checkpoint(ckpt)
    reader = DigitReader(net, "onnxruntime", source=str(ckpt), info=info)
    health = reader.health()
    assert health["classes"] == list(classes) and health["dataset"] == name
    buffer = io.BytesIO()
    Image.open(DIGIT).save(buffer, "PNG")
    answer = reader.read(buffer.getvalue())
    assert answer["label"] == classes[answer["class"]]
    assert len(answer["probabilities"]) == len(classes)
    assert answer["normalisation"] == {"mean": mean, "std": std}


def test_an_old_checkpoint_loads_as_mnist_with_a_note(tmp_path, capsys):
    lenet5.setup_device("CPU", seed=0)
    path = str(tmp_path / "old.ckpt")
    ms.save_checkpoint(lenet5.LeNet5(num_classes=26), path)  # no record, as before lenet5 0.2
    net, info = lenet5.open_checkpoint(path)
    err = capsys.readouterr().err
    assert "has no record of how it was trained" in err and err.count("\n") == 1
    assert info.assumed and info.variant == "classic" and info.num_classes == 26
    assert (info.mean, info.std) == (catalog.MNIST.mean, catalog.MNIST.std)
    assert int(net.fc3.weight.shape[0]) == 26
    course = str(tmp_path / "old-course.ckpt")
    ms.save_checkpoint(lenet5.LeNet5(variant="course"), course)
    with pytest.raises(CheckpointError, match="does not fit .* --variant"):
        lenet5.open_checkpoint(course, quiet=True)  # taken as classic: conv biases missing
    net, info = lenet5.open_checkpoint(course, variant="course", quiet=True)  # flags override
    assert net.variant == info.variant == "course"


def test_save_records_the_data_and_recipe(tmp_path):
    lenet5.setup_device("CPU", seed=0)
    data = make_folder(tmp_path / "letters", "emnist-letters")
    folder = lenet5.open_data("emnist-letters", data)
    net = lenet5.LeNet5(folder.num_classes, variant="course")
    lenet5.save_checkpoint(net, tmp_path / "a.ckpt", data=folder, recipe=lenet5.RECIPES["course"])
    _, info = lenet5.open_checkpoint(tmp_path / "a.ckpt")
    assert (info.dataset, info.classes[16], info.variant) == ("emnist-letters", "Q", "course")
    assert (info.mean, info.std) == DATASETS["emnist-letters"]
    assert info.recipe == lenet5.RECIPES["course"].as_dict()
    with pytest.raises(CheckpointError, match="was trained as LeNet5 'course', not 'classic'"):
        lenet5.load_checkpoint(tmp_path / "a.ckpt", lenet5.LeNet5(folder.num_classes))
    # the record survives a round trip through open -> save
    net, info = lenet5.open_checkpoint(tmp_path / "a.ckpt")
    lenet5.save_checkpoint(net, tmp_path / "b.ckpt", info=info)
    assert lenet5.open_checkpoint(tmp_path / "b.ckpt")[1] == info
    assert np.array_equal(net.conv1.weight.asnumpy(),
                          lenet5.open_checkpoint(tmp_path / "b.ckpt")[0].conv1.weight.asnumpy())


def test_a_class_count_override_keeps_the_class_names_as_saving_does():
    """--num_classes larger than the dataset's: the record made at save time and the one a
    command's flag makes from a saved record name the classes the same way."""
    net = lenet5.LeNet5(12)
    saved = CheckpointInfo.describe(net)  # MNIST data, a 12-output network
    assert saved.classes == tuple("0123456789") + ("10", "11")
    base = CheckpointInfo(classes=("T-shirt", "Trouser", "Bag"))
    assert base.with_overrides(num_classes=5).classes == ("T-shirt", "Trouser", "Bag", "3", "4")
    assert base.with_overrides(num_classes=2).classes == ("T-shirt", "Trouser")
    assert CheckpointInfo().with_overrides(num_classes=12) == replace(saved, versions=None)
