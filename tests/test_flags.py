"""Every flag of the README's main.py table, run once each: its effect shows in metrics.json
(or in what the run prints), and no run ends in a traceback. Small synthetic data, 1 epoch."""
import json
import os
import shutil

import pytest

from helpers import SAMPLE, run_main, write_split


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """256 training and 64 test images: in the course layout, and as four .gz files in one
    folder, the way the official files come."""
    root = tmp_path_factory.mktemp("flags-data")
    write_split(root / "course" / "train", "train", 256)
    write_split(root / "course" / "test", "test", 64)
    write_split(root / "flat", "train", 256, gz=True)
    write_split(root / "flat", "test", 64, gz=True)
    return root


def train(data, tmp_path, *flags, layout="course"):
    """main.py on the small data with ``flags``: (metrics, process)."""
    out = tmp_path / "out"
    proc = run_main("--data_url", data / layout, "--train_url", out, "--epochs", 1,
                    "--progress", "none", *flags)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert sorted(os.listdir(out)) == ["lenet5.ckpt", "metrics.json"]
    return json.loads((out / "metrics.json").read_text()), proc


@pytest.fixture(scope="module")
def default_run(data, tmp_path_factory):
    """The defaults, for the runs below to differ from (or to equal)."""
    return train(data, tmp_path_factory.mktemp("default"))[0]


def test_defaults_are_recorded(default_run):
    m = default_run
    assert (m["mode"], m["variant"], m["recipe"], m["seed"], m["num_classes"]) == \
        ("graph", "classic", "course", 1, 10)
    assert m["device_target"] == "CPU" and m["workers"] == 1
    assert m["device_settings"] == {"dataset_sink_mode": False, "graph_kernel": False,
                                    "amp_level": "O0"}
    assert (m["num_train"], m["num_test"]) == (256, 64) and len(m["epoch_losses"]) == 1


@pytest.mark.slow
@pytest.mark.parametrize("flags, expected", [
    (["--mode", "pynative"], {"mode": "pynative"}),
    (["--variant", "course"], {"variant": "course"}),
    (["--num_classes", "12"], {"num_classes": 12}),
    (["--device_target", "cpu"], {"device_target": "CPU"}),
    (["--thread_layout", "pack"], {"thread_layout": "pack"}),
    (["--amp_level", "O1"], {"device_settings": {"dataset_sink_mode": False,
                                                 "graph_kernel": False, "amp_level": "O1"}}),
])
def test_flag_is_recorded_and_changes_the_run(data, tmp_path, default_run, flags, expected):
    metrics, _ = train(data, tmp_path, *flags)
    for key, value in expected.items():
        assert metrics[key] == value
    if flags[0] in ("--device_target", "--mode", "--thread_layout"):  # the same, run another way
        assert metrics["epoch_losses"] == pytest.approx(default_run["epoch_losses"], rel=1e-4)
    else:
        assert metrics["epoch_losses"] != default_run["epoch_losses"]


@pytest.mark.slow
def test_the_cpu_defaults_spelt_out_give_the_same_run(data, tmp_path, default_run):
    metrics, proc = train(data, tmp_path, "--dataset_sink_mode", "off", "--amp_level", "O0",
                          "--device_target", "auto", "--seed", "1")
    assert metrics["epoch_losses"] == default_run["epoch_losses"]
    assert proc.stderr.count("note:") == 0


@pytest.mark.slow
def test_seed_changes_the_run_and_repeats_it(data, tmp_path, default_run):
    first, _ = train(data, tmp_path / "a", "--seed", "7")
    again, _ = train(data, tmp_path / "b", "--seed", "7")
    assert first["seed"] == 7 and first["epoch_losses"] != default_run["epoch_losses"]
    assert again["epoch_losses"] == first["epoch_losses"]


@pytest.mark.slow
def test_hyperparameters_and_the_progress_bar(data, tmp_path):
    metrics, proc = train(data, tmp_path, "--epochs", 2, "--batch_size", 16, "--lr", 0.05,
                          "--momentum", 0.5, "--progress", "bar")
    hyper = metrics["hyperparameters"]
    assert (hyper["epochs"], hyper["batch_size"], hyper["lr"], hyper["momentum"]) == \
        (2, 16, 0.05, 0.5)
    assert metrics["epochs"] == 2 and len(metrics["epoch_losses"]) == 2
    assert "epoch 1/2:" in proc.stderr and "/16 [" in proc.stderr  # tqdm's bar, 256/16 steps


@pytest.mark.slow
def test_recipe_accurate_with_log_lines(data, tmp_path):
    metrics, proc = train(data, tmp_path, "--recipe", "accurate", "--progress", "log")
    hyper = metrics["hyperparameters"]
    assert metrics["recipe"] == "accurate" and hyper["epochs"] == 1  # --epochs 1 wins
    assert (hyper["batch_size"], hyper["schedule"], hyper["augment"]) == (64, "cosine", True)
    assert "epoch 1/1 step 2/4" in proc.stdout  # log lines, not a bar
    assert "\r" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_progress_none_prints_only_the_epoch_and_result(data, tmp_path):
    _, proc = train(data, tmp_path)
    assert "step 1/" not in proc.stdout and "\r" not in proc.stderr
    assert "epoch: 1/1 step: 8, loss is" in proc.stdout and "test accuracy:" in proc.stdout


@pytest.mark.slow
def test_four_official_files_in_one_folder(data, tmp_path, default_run):
    metrics, _ = train(data, tmp_path, layout="flat")
    assert metrics["data_url"] == str(data / "flat")
    assert (metrics["num_train"], metrics["num_test"]) == (256, 64)
    assert metrics["epoch_losses"] == default_run["epoch_losses"]  # the same images


@pytest.mark.slow
def test_sink_on_cpu_is_noted_and_recorded_as_it_ran(data, tmp_path, default_run):
    metrics, proc = train(data, tmp_path, "--dataset_sink_mode", "on", "--mode", "pynative")
    assert "note: MindSpore has no dataset sink on CPU or in PyNative mode" in proc.stderr
    assert metrics["device_settings"]["dataset_sink_mode"] is False


@pytest.mark.slow
def test_amp_o3(data, tmp_path):
    metrics, _ = train(data, tmp_path, "--amp_level", "O3")
    assert metrics["device_settings"]["amp_level"] == "O3" and metrics["loss"] > 0


@pytest.mark.slow
def test_ckpt_continues_and_eval_only_evaluates(trained_ckpt, tmp_path):
    """--ckpt starts from the trained weights; --eval_only --ckpt writes only metrics.json."""
    proc = run_main("--eval_only", "--ckpt", trained_ckpt, "--train_url", tmp_path / "eval")
    assert proc.returncode == 0, proc.stderr
    evaluated = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert evaluated["accuracy"] > 0.9 and evaluated["ckpt"] == str(trained_ckpt)
    assert os.listdir(tmp_path / "eval") == ["metrics.json"]
    proc = run_main("--ckpt", trained_ckpt, "--epochs", 1, "--lr", 0.001, "--progress", "none",
                    "--train_url", tmp_path / "more")
    assert proc.returncode == 0, proc.stderr
    more = json.loads((tmp_path / "more" / "metrics.json").read_text())
    assert more["epoch_losses"][0] < 0.3  # an untrained LeNet5 starts at about 2.3
    assert more["accuracy"] > 0.9


def test_download_into_the_shipped_sample_is_refused(tmp_path):
    """--download checks the folder first: the shipped sample is never overwritten."""
    shutil.copytree(SAMPLE, tmp_path / "MNIST", ignore=shutil.ignore_patterns(".lenet5"))
    proc = run_main("--download", "--data_url", tmp_path / "MNIST", "--train_url",
                    tmp_path / "out")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "holds the shipped MNIST sample" in lines[0]
    assert not (tmp_path / "out").exists() and "Traceback" not in proc.stderr
