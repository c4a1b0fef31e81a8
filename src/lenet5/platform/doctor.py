"""``lenet5 doctor`` (also ``python main.py --check``): what works on this machine, and why not.

Prints the MindSpore version, which device targets this MindSpore can use here (with the CUDA
or CANN versions found), the CPU thread and ISA settings in force, the per-device settings the
training will use, and the output of ``mindspore.run_check()`` on the chosen target. Exits with
code 2 and one ``error:`` line saying how to fix it when the asked target cannot work.
"""
import contextlib
import glob
import io
import os
import platform
import re
import shutil
import subprocess

import mindspore as ms
import mindspore.dataset as ds

from .. import device
from ..data.pipeline import default_workers
from ..errors import DeviceError, first_line
from . import compat, cuda, threads

CUDA_LIBRARY_DIRS = ("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                     "/usr/lib/x86_64-linux-gnu", "/usr/lib64")
# ONEDNN_MAX_CPU_ISA values that keep oneDNN off AVX-512 (see lenet5/_env.py for why).
BELOW_AVX512 = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2")
CANN_HOMES = ("/usr/local/Ascend/ascend-toolkit/latest", "/usr/local/Ascend/latest")


def add_arguments(parser):
    parser.add_argument("--device_target", default="auto",
                        help="the target to check: CPU, GPU, Ascend, or auto (the best usable one)")


def nvidia_driver():
    """``(driver version, CUDA version it supports, GPU names)`` from nvidia-smi, or None."""
    if not shutil.which("nvidia-smi"):
        return None
    try:
        query = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version,name", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=20)
        header = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if query.returncode != 0:
        return ("unusable", first_line(query.stderr or query.stdout), [])
    rows = [line.split(", ", 1) for line in query.stdout.strip().splitlines() if ", " in line]
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", header.stdout)
    return (rows[0][0] if rows else "?", cuda.group(1) if cuda else "?", [r[1] for r in rows])


def cuda_runtime():
    """The newest libcudart version found in LD_LIBRARY_PATH or the usual places, or None."""
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d]
    versions = set()
    for folder in [*dirs, *CUDA_LIBRARY_DIRS, *glob.glob("/usr/local/cuda-*/lib64")]:
        for path in glob.glob(os.path.join(folder, "libcudart.so.*")):
            match = re.search(r"libcudart\.so\.([\d.]+)$", path)
            if match:
                versions.add(match.group(1))
    return max(versions, key=lambda v: tuple(map(int, v.split(".")))) if versions else None


def gpu_plugin_cuda_versions():
    """The CUDA versions this MindSpore wheel has GPU plugins for (lib/plugin/gpu<version>)."""
    plugins = os.path.join(os.path.dirname(ms.__file__), "lib", "plugin")
    found = (re.fullmatch(r"gpu([\d.]+)", name) for name in
             (os.listdir(plugins) if os.path.isdir(plugins) else []))
    return sorted((m.group(1) for m in found if m), key=lambda v: tuple(map(int, v.split("."))))


def cann_version():
    """``(version, home)`` of the CANN toolkit (ASCEND_HOME_PATH or its usual places), or None."""
    homes = [os.environ.get("ASCEND_HOME_PATH"), *CANN_HOMES]
    for home in filter(None, homes):
        for name in ("compiler/version.info", "version.cfg", "version.info"):
            path = os.path.join(home, name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                match = re.search(r"[Vv]ersion\s*[=:]\s*([\w.\-]+)", text)
                return (match.group(1) if match else first_line(text, 40)), home
    return None


def plugin_error(target):
    """Why MindSpore could not load its plugin for ``target`` (first reason), or ''."""
    try:
        from mindspore._c_expression import MSContext
        errors = MSContext.get_instance().load_plugin_error()
    except Exception:  # a private API: say nothing rather than fail
        return ""
    key = "ascend" if target == "Ascend" else "gpu"
    for line in errors.splitlines():
        if key in line.lower():
            return line.split(" failed. ", 1)[-1].strip()
    return ""


def cpu_model_and_flags():
    """``(model name, set of ISA flags)`` from /proc/cpuinfo (empty on other systems)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return platform.processor() or platform.machine(), set()
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
    return (model.group(1).strip() if model else platform.machine(),
            set(flags.group(1).split()) if flags else set())


def device_lines():
    """One line per device target: usable or not, with versions and the reason."""
    lines = {"CPU": "usable"}
    driver, runtime = nvidia_driver(), cuda_runtime()
    if device.is_available("GPU"):
        lines["GPU"] = "usable"
    else:
        reason = plugin_error("GPU") or ("no NVIDIA driver (nvidia-smi not found)" if not driver
                                          else "MindSpore's GPU plugin did not load")
        lines["GPU"] = f"not usable: {reason}"
    if driver:
        lines["GPU"] += (f"; driver {driver[0]} (supports CUDA {driver[1]})"
                         + (f", {', '.join(driver[2])}" if driver[2] else ""))
    lines["GPU"] += (f"; CUDA runtime {runtime}" if runtime else
                     "; no CUDA runtime (libcudart) found")
    built_for = gpu_plugin_cuda_versions()
    if built_for:
        lines["GPU"] += f"; this MindSpore's GPU plugins are built for CUDA {', '.join(built_for)}"
    plugin, found = cuda.check()
    if plugin:
        lines["GPU libs"] = cuda_library_line(os.path.basename(plugin), found)
    cann = cann_version()
    if device.is_available("Ascend"):
        lines["Ascend"] = "usable"
    else:
        reason = plugin_error("Ascend") or "MindSpore's Ascend plugin did not load"
        lines["Ascend"] = f"not usable: {reason}"
    lines["Ascend"] += (f"; CANN {cann[0]} in {cann[1]}" if cann else
                        "; no CANN toolkit found (ASCEND_HOME_PATH unset, nothing in "
                        "/usr/local/Ascend)")
    return lines


def layout_line():
    """How lenet5.train places MindSpore's CPU threads here (lenet5.platform.threads)."""
    if not threads.applies():
        return "left to the scheduler"
    if threads.asked_layout() == "auto":
        return "auto (measured while training, following other programs' load)"
    return f"{threads.asked_layout()} (forced)"


def load_line(seconds=0.5):
    """What other programs use of the CPU now: training shares it with them."""
    others = threads.measure_other_load(seconds)
    if others is None:
        return "unknown on this system"
    cores = threads.usable_cores()
    line = f"other programs use {others:.1f} of the {cores} usable cores now"
    if hasattr(os, "getloadavg"):
        line += f" (load average {os.getloadavg()[0]:.1f})"
    if others >= max(0.5, cores / 4):
        line += ("; training will be slower while they run (lenet5 moves its threads off busy "
                 "cores)")
    return line


def cuda_library_line(plugin, found):
    """What the GPU plugin links against and where each library was found (or not)."""
    def where(name):
        hit = found[name]
        if hit is None:
            return f"{name} MISSING"
        path, how = hit
        return f"{name} ({how}: {path})" if how != "pip" else \
            f"{name} (pip, not on LD_LIBRARY_PATH: {path})"
    text = f"{plugin} needs " + ", ".join(where(name) for name in found)
    fix = cuda.advice(found)
    return text + (f"\n                to fix: {fix}" if fix else "") + \
        (f"\n                {cuda.export_line(found)}" if cuda.export_line(found) else "")


def run_check():
    """``(passed, output)`` of ``mindspore.run_check()``, which prints instead of raising."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ms.run_check()
    text = out.getvalue().strip()
    return "successfully" in text and "failed" not in text, text


def report(asked="auto", layout="auto"):
    """Print the report; return the resolved target. Raises DeviceError if ``asked`` cannot work."""
    asked = device.normalise_target(asked)
    model, flags = cpu_model_and_flags()
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "unset (oneDNN picks the best it finds)")
    print(f"MindSpore       {ms.__version__} (Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()})")
    print(f"versions        {compat.summary()}")
    for target, line in device_lines().items():
        print(f"{'device ' + target:15s} {line}")
    avx512 = "yes" if "avx512f" in flags else "no"
    print(f"CPU             {model}; {threads.usable_cores()} usable of {os.cpu_count()} cores; "
          f"AVX2: {'yes' if 'avx2' in flags else 'no'}; AVX-512: {avx512}")
    print(f"oneDNN ISA      ONEDNN_MAX_CPU_ISA={isa}")
    if "avx512f" in flags and isa.upper() not in BELOW_AVX512:
        print("                note: oneDNN may pick AVX-512 convolution kernels, an order of "
              "magnitude slower for LeNet5; unset ONEDNN_MAX_CPU_ISA (lenet5 sets AVX2) or set it "
              "to AVX2")
    try:
        target = device.resolve_target(asked)
    except DeviceError:
        print(f"asked target    {asked}: cannot work here (see the error below)")
        raise
    device.setup_device(target, layout=layout)
    settings = device.device_settings(target)
    kernels = device.cpu_threads() if target == "CPU" else None
    print(f"threads         CPU kernels: {kernels or 'MindSpore default'}; dataset workers: "
          f"{default_workers()} per pipeline stage (mindspore.dataset default "
          f"{ds.config.get_num_parallel_workers()}); layout while training: "
          f"{layout_line()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"CPU load        {load_line()}")
    print(f"target          {target}" + (" (auto: best usable)" if asked == "auto" else ""))
    print("settings        " + ", ".join(f"{k}={v}" for k, v in settings.as_dict().items()))
    passed, text = run_check()
    print("run_check       " + text.replace("\n", "\n                "))
    if not passed:
        why = first_line(text.split("failed.", 1)[-1])
        raise DeviceError(f"mindspore.run_check() failed on {target} ({why}); reinstall MindSpore "
                          "for this platform: https://www.mindspore.cn/install")
    flag = "" if asked == "auto" else f" --device_target {target}"
    print(f"all good: `python main.py{flag}` will train on {target}")
    return target


def run(args):
    report(args.device_target)
    return 0
