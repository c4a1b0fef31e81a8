"""Finding the CUDA 11 libraries MindSpore's GPU plugin needs (lenet5.platform.cuda), with fake
files."""
import os
import shutil
import subprocess
import sys

import pytest

from lenet5 import device
from lenet5.platform import cuda
from lenet5.platform import doctor
from lenet5.errors import DeviceError

CUDA11 = ["libcudart.so.11.0", "libcudnn.so.8", "libcublas.so.11", "libcuda.so.1"]


def touch(folder, *names):
    os.makedirs(folder, exist_ok=True)
    for name in names:
        open(os.path.join(folder, name), "wb").close()
    return str(folder)


def test_elf_needed_reads_what_readelf_reads():
    needed = cuda.elf_needed(sys.executable)
    assert any(name.startswith("libc.so") for name in needed)
    if shutil.which("readelf"):
        text = subprocess.run(["readelf", "-d", sys.executable], capture_output=True,
                              text=True).stdout
        assert needed == [line.split("[")[1].rstrip("]") for line in text.splitlines()
                          if "(NEEDED)" in line]


def test_elf_needed_refuses_other_files(tmp_path):
    (tmp_path / "x.so").write_bytes(b"not an ELF file at all")
    with pytest.raises(ValueError, match="not a 64-bit little-endian ELF file"):
        cuda.elf_needed(tmp_path / "x.so")


def test_this_mindspore_gpu_plugin_needs_cuda_11():
    plugin = cuda.gpu_plugin()
    if plugin is None:
        pytest.skip("this MindSpore has no GPU plugin")
    needed = cuda.required_libraries(plugin)
    assert set(CUDA11) <= set(needed)
    assert not [n for n in needed if n.startswith(("libmindspore", "libc.so", "libstdc++"))]
    assert all(cuda.pip_package(n) for n in needed if n != cuda.DRIVER)  # each has a package


def test_newest_plugin_is_chosen(tmp_path):
    touch(tmp_path / "lib" / "plugin", "libmindspore_gpu.so.11.1", "libmindspore_gpu.so.11.10",
          "libmindspore_gpu.so.11.6")
    assert cuda.gpu_plugin(str(tmp_path)).endswith("libmindspore_gpu.so.11.10")
    assert cuda.gpu_plugin(str(tmp_path / "none")) is None


def test_locate_in_each_place_the_loader_looks(tmp_path):
    env = touch(tmp_path / "env", "libcudart.so.11.0")
    usual = touch(tmp_path / "usual", "libcudart.so.11.0", "libcublas.so.11")
    pip = touch(tmp_path / "site" / "nvidia" / "cudnn" / "lib", "libcudnn.so.8")
    found = cuda.locate(CUDA11 + ["libcufft.so.10"], ld_library_path=env,
                        cache={"libcuda.so.1": "/lib/libcuda.so.1"}, cuda_dirs=[usual],
                        pip_dirs=cuda.pip_lib_dirs([str(tmp_path / "site")]))
    assert found == {
        "libcudart.so.11.0": (os.path.join(env, "libcudart.so.11.0"), "LD_LIBRARY_PATH"),
        "libcudnn.so.8": (os.path.join(pip, "libcudnn.so.8"), "pip"),
        "libcublas.so.11": (os.path.join(usual, "libcublas.so.11"), "CUDA dir"),
        "libcuda.so.1": ("/lib/libcuda.so.1", "ldconfig"),
        "libcufft.so.10": None}
    assert cuda.export_line(found) == f"export LD_LIBRARY_PATH={pip}:$LD_LIBRARY_PATH"
    advice = cuda.advice(found)
    assert "CUDA 11 libraries missing: libcufft.so.10: pip install nvidia-cufft-cu11" in advice
    assert "LD_LIBRARY_PATH" in advice and "driver" not in advice


def test_a_pip_folder_on_ld_library_path_counts_as_seen(tmp_path):
    pip = touch(tmp_path / "site" / "nvidia" / "cuda_runtime" / "lib", "libcudart.so.11.0")
    found = cuda.locate(["libcudart.so.11.0"], ld_library_path=pip, cache={}, cuda_dirs=[],
                        pip_dirs=[pip])
    assert found["libcudart.so.11.0"][1] == "LD_LIBRARY_PATH"
    assert cuda.advice(found) == "" and cuda.export_line(found) == ""


def test_nothing_found_names_the_driver_and_every_package(tmp_path):
    found = cuda.locate(CUDA11, ld_library_path="", cache={}, cuda_dirs=[], pip_dirs=[])
    advice = cuda.advice(found)
    assert advice.startswith("no NVIDIA driver (libcuda.so.1 not found)")
    for package in ("nvidia-cuda-runtime-cu11", "nvidia-cudnn-cu11==8.9.6.50",
                    "nvidia-cublas-cu11"):
        assert package in advice
    line = doctor.cuda_library_line("libmindspore_gpu.so.11.6", found)
    assert line.startswith("libmindspore_gpu.so.11.6 needs libcudart.so.11.0 MISSING")


def test_doctor_line_gives_the_export_for_pip_libraries(tmp_path):
    pip = touch(tmp_path / "nvidia" / "cudnn" / "lib", "libcudnn.so.8")
    found = cuda.locate(["libcudnn.so.8"], ld_library_path="", cache={}, cuda_dirs=[],
                        pip_dirs=[pip])
    line = doctor.cuda_library_line("libmindspore_gpu.so.11.6", found)
    assert f"libcudnn.so.8 (pip, not on LD_LIBRARY_PATH: {pip}/libcudnn.so.8)" in line
    assert line.endswith(f"export LD_LIBRARY_PATH={pip}:$LD_LIBRARY_PATH")


def test_gpu_error_says_what_is_missing_in_one_line(monkeypatch):
    if device.is_available("GPU"):
        pytest.skip("GPU is usable here")
    found = cuda.locate(CUDA11, ld_library_path="", cache={}, cuda_dirs=[], pip_dirs=[])
    monkeypatch.setattr(cuda, "check", lambda: ("libmindspore_gpu.so.11.6", found))
    with pytest.raises(DeviceError) as err:
        device.resolve_target("GPU")
    message = str(err.value)
    assert "\n" not in message and message.endswith("or run with --device_target CPU")
    assert "CUDA 11 libraries missing: libcudart.so.11.0, libcudnn.so.8, libcublas.so.11" in message
    assert "pip install nvidia-cublas-cu11 nvidia-cuda-runtime-cu11" in message
