import os
import subprocess
import sys

import pytest

from helpers import ROOT
from lenet5 import device
from lenet5.errors import DeviceError


def test_names_are_case_insensitive():
    assert [device.normalise_target(t) for t in ("cpu", "GPU", "ascend", "AUTO")] == \
        ["CPU", "GPU", "Ascend", "auto"]


def test_unknown_target():
    with pytest.raises(DeviceError, match="unknown device target 'TPU': choose one of CPU, GPU, "
                                          "Ascend or auto"):
        device.normalise_target("TPU")


def test_auto_picks_a_usable_target():
    target = device.resolve_target("auto")
    assert target in device.available_targets()


@pytest.mark.parametrize("target", ["GPU", "Ascend"])
def test_absent_accelerator_says_what_and_how(target):
    if device.is_available(target):
        pytest.skip(f"{target} is usable on this machine")
    with pytest.raises(DeviceError) as err:
        device.resolve_target(target)
    message = str(err.value)
    assert f"--device_target {target} was asked for" in message
    assert "usable here: CPU" in message and "mindspore.cn/install" in message
    assert "\n" not in message


def test_unknown_mode():
    with pytest.raises(DeviceError, match="unknown mode"):
        device.setup_device("CPU", mode="eager")


def test_isa_cap_is_set_before_mindspore_runs():
    import os
    assert os.environ["ONEDNN_MAX_CPU_ISA"]  # set by lenet5/_env.py unless the user chose


def test_setup_device_can_be_called_again_in_one_process():
    """Same or other seed, mode, target spelling and thread count: no MindSpore error, and the
    seed of the last call is the one in force (a notebook's set-up cell run twice)."""
    script = """
import numpy as np
import lenet5
from lenet5 import device
for kwargs in ({"seed": 1}, {"seed": 1}, {"seed": 2, "mode": "pynative"},
               {"target": "cpu", "seed": 3, "threads": 1}, {"target": "auto", "mode": "graph"}):
    target = lenet5.setup_device(**{"target": "CPU", **kwargs})
    assert target == "CPU", target
lenet5.setup_device("CPU", seed=5)
first = np.random.rand()
lenet5.setup_device("CPU", seed=5)
assert np.random.rand() == first
print("threads", device.cpu_threads())
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")})
    assert proc.returncode == 0, proc.stderr
    assert f"threads {device.usable_cores()}" in proc.stdout  # the first call's count stays


def test_setup_device_after_an_operation_already_ran():
    """A MindSpore operation before setup_device (a learner's cell, another test in the same
    process) starts the runtime on the default device, CPU: asking for CPU then still works, and
    training runs."""
    script = """
import numpy as np
import mindspore as ms
import lenet5
print((ms.Tensor(np.ones(2, np.float32)) * 2).asnumpy())
assert lenet5.setup_device("CPU", seed=1) == "CPU"
net = lenet5.LeNet5()
print(net(ms.Tensor(np.zeros((1, 1, 32, 32), np.float32))).shape)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "(1, 10)" in proc.stdout
