"""`lenet5 doctor`, `main.py --check`, and the per-device settings behind --device_target."""
import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, run_main
from lenet5 import device
from lenet5.platform import doctor
from lenet5.errors import DeviceError


def run_doctor(*args):
    """`lenet5 doctor ...` in a fresh interpreter, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "lenet5.cli", "doctor", *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")})


def one_error_line(proc):
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_doctor_reports_what_works_here():
    proc = run_doctor()
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    import mindspore
    assert f"MindSpore       {mindspore.__version__}" in out
    assert f"versions        MindSpore {mindspore.__version__}, NumPy " in out  # lenet5.platform.compat
    for target in device.TARGETS:
        assert f"device {target}" in out
    assert "device CPU      usable" in out
    assert "AVX-512: " in out and "ONEDNN_MAX_CPU_ISA=" in out
    assert f"CPU kernels: {device.usable_cores()}" in out and "dataset workers: " in out
    assert "layout while training: " in out and "CPU load        other programs use " in out
    assert "dataset_sink_mode=" in out and "amp_level=" in out
    assert "The result of multiplication calculation is correct" in out  # run_check()
    assert "all good: `python main.py` will train on CPU" in out


@pytest.mark.parametrize("target", ["GPU", "Ascend"])
def test_doctor_fails_clearly_for_an_absent_device(target):
    if device.is_available(target):
        pytest.skip(f"{target} is usable here")
    proc = run_doctor("--device_target", target)
    line = one_error_line(proc)
    assert f"--device_target {target} was asked for" in line and "mindspore.cn/install" in line
    assert f"device {target}" in proc.stdout and "not usable" in proc.stdout  # the why


def test_main_check_is_the_doctor(tmp_path):
    proc = run_main("--check", "--train_url", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "device CPU      usable" in proc.stdout and "run_check" in proc.stdout
    assert "all good" in proc.stdout
    assert not (tmp_path / "out").exists()  # nothing trained, nothing written


def test_doctor_warns_when_the_isa_cap_is_lifted():
    _, flags = doctor.cpu_model_and_flags()
    if "avx512f" not in flags:
        pytest.skip("no AVX-512 on this CPU")
    proc = subprocess.run([sys.executable, "-m", "lenet5.cli", "doctor"], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "ONEDNN_MAX_CPU_ISA": "ALL",
                                                       "PYTHONPATH": os.path.join(ROOT, "src")})
    assert proc.returncode == 0 and "ONEDNN_MAX_CPU_ISA=ALL" in proc.stdout
    assert "note: oneDNN may pick AVX-512 convolution kernels" in proc.stdout


def test_unknown_target_in_doctor():
    assert "unknown device target 'TPU'" in one_error_line(run_doctor("--device_target", "TPU"))


def test_cpu_flags_are_read():
    model, flags = doctor.cpu_model_and_flags()
    assert model
    if sys.platform.startswith("linux"):
        assert flags  # /proc/cpuinfo has a flags line on x86 and arm64


def test_model_zoo_settings_per_device():
    assert device.device_settings("CPU") == device.DeviceSettings(False, False, "O0")
    assert device.device_settings("gpu") == device.DeviceSettings(True, True, "O0")
    assert device.device_settings("Ascend") == device.DeviceSettings(True, False, "O2")
    assert device.device_settings("Ascend", sink=False, amp_level="O0") == \
        device.DeviceSettings(False, False, "O0")
    assert device.device_settings("CPU").as_dict() == {
        "dataset_sink_mode": False, "graph_kernel": False, "amp_level": "O0"}


@pytest.mark.parametrize("kwargs, message", [
    ({"target": "auto"}, "needs a resolved target"),
    ({"target": "CPU", "amp_level": "O2"}, "--amp_level O2 needs GPU or Ascend"),
    ({"target": "GPU", "amp_level": "O5"}, "unknown AMP level 'O5'"),
])
def test_settings_that_cannot_work(kwargs, message):
    with pytest.raises(DeviceError, match=message):
        device.device_settings(**kwargs)


def test_amp_o2_on_cpu_is_one_clear_error(tmp_path):
    proc = run_main("--device_target", "CPU", "--amp_level", "O2", "--train_url", tmp_path / "o")
    assert "--amp_level O2 needs GPU or Ascend" in one_error_line(proc)
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_settings_reach_the_training(course_layout, tmp_path):
    """--dataset_sink_mode and --amp_level override the device's choice and are recorded."""
    out = tmp_path / "out"
    proc = run_main("--data_url", course_layout, "--train_url", out, "--epochs", 1,
                    "--dataset_sink_mode", "on", "--amp_level", "O3", "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    # MindSpore trains step by step on CPU whatever is asked: noted, and recorded as it ran
    assert "--dataset_sink_mode on has no effect here" in proc.stderr
    assert metrics["device_settings"] == {"dataset_sink_mode": False, "graph_kernel": False,
                                          "amp_level": "O3"}
    assert len(metrics["epoch_losses"]) == 1 and metrics["workers"] == 1


def test_check_reports_a_forced_thread_layout():
    proc = run_main("--check", "--thread_layout", "pack")
    assert proc.returncode == 0, proc.stderr
    forced = ("pack (forced)" if hasattr(os, "sched_setaffinity")
              and device.usable_cores() >= 2 else "left to the scheduler")
    assert f"layout while training: {forced};" in proc.stdout
