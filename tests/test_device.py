import pytest

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
