"""Device setup in one place: target, execution mode, seed, CPU thread layout, and the
per-device choices of MindSpore's model zoo (:func:`device_settings`)."""
import contextlib
import io
from dataclasses import dataclass, replace

import mindspore as ms
import mindspore.dataset as ds
import numpy as np

from .errors import DeviceError
from .platform import cuda, threads as thread_layouts
from .platform.threads import usable_cores  # noqa: F401  (lenet5.device.usable_cores)

TARGETS = ("CPU", "GPU", "Ascend")
MODES = ("graph", "pynative")
INSTALL_HINT = {
    # MindSpore 2.10's one wheel has the GPU plugin; what is missing is CUDA 11 (gpu_hint()).
    "GPU": "check that `nvidia-smi` sees the card and see `lenet5 doctor --device_target GPU` "
           "(https://www.mindspore.cn/install)",
    "Ascend": "install the CANN toolkit and the Ascend build of MindSpore "
              "(https://www.mindspore.cn/install), then source CANN's set_env.sh",
}
_state = {}


def normalise_target(target):
    """'cpu' -> 'CPU', 'ascend' -> 'Ascend', 'auto' stays; anything else is a DeviceError."""
    names = {t.lower(): t for t in TARGETS + ("auto",)}
    try:
        return names[str(target).lower()]
    except KeyError:
        raise DeviceError(f"unknown device target {target!r}: choose one of "
                          f"{', '.join(TARGETS)} or auto") from None


def is_available(target):
    """Whether this MindSpore build can run on ``target`` on this machine."""
    if target == "CPU":
        return True
    module = {"GPU": ms.device_context.gpu, "Ascend": ms.device_context.ascend}[target]
    # The probe logs a multi-line plugin-loading warning when the answer is no.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return bool(module.is_available())
        except Exception:  # a broken driver or plugin means: not usable
            return False


def available_targets():
    return [t for t in TARGETS if is_available(t)]


def resolve_target(target="auto"):
    """The device to use: ``auto`` picks Ascend, then GPU, then CPU; an unusable one raises."""
    target = normalise_target(target)
    if target == "auto":
        return next(t for t in ("Ascend", "GPU", "CPU") if is_available(t))
    if not is_available(target):
        raise DeviceError(
            f"--device_target {target} was asked for, but MindSpore {ms.__version__} cannot use "
            f"it on this machine (usable here: {', '.join(available_targets())}); "
            f"{install_hint(target)}; or run with --device_target CPU")
    return target


def install_hint(target):
    """How to make ``target`` usable: for GPU, the driver and CUDA 11 libraries not found here."""
    if target == "GPU":
        missing = cuda.advice(cuda.check()[1])
        if missing:
            return f"{missing} (MindSpore's GPU requirements: https://www.mindspore.cn/install)"
    return f"to use {target}, {INSTALL_HINT[target]}"


def setup_device(target="auto", mode="graph", seed=None, device_id=None, threads=None,
                 layout="auto"):
    """Configure MindSpore once, before building the network. Returns the resolved target.

    GRAPH mode compiles the whole step (many times faster than PyNative on CPU: the appendix
    lesson, course/appendix_devices_and_speed.md, measures both).
    ``seed`` seeds MindSpore's operators, the dataset pipeline and NumPy, so two runs on one
    machine give the same loss curve. On CPU, kernels use one thread per usable core
    (MindSpore's default of 25 threads oversubscribes a laptop) and the runtime one thread.
    ``layout``: where those threads run while :func:`lenet5.train` and :func:`lenet5.evaluate`
    work in GRAPH mode on CPU: "auto" measures which cores are fastest and follows other
    programs' load (:mod:`lenet5.platform.threads`); "split", "pack" or "free" force one layout.

    Calling it again in the same process (a notebook's setup cell run twice) is fine with any
    seed or mode and the same target; MindSpore refuses to change the device target once set,
    and sets its CPU thread counts once per process, so a second ``threads`` only changes the
    dataset workers (restart the kernel for another target or other kernel threads).
    """
    if mode not in MODES:
        raise DeviceError(f"unknown mode {mode!r}: choose graph or pynative")
    if layout not in thread_layouts.LAYOUTS:
        raise DeviceError(f"unknown thread layout {layout!r}: choose one of "
                          f"{', '.join(thread_layouts.LAYOUTS)}")
    target = resolve_target(target)
    ms.set_context(mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE)
    try:
        ms.set_device(target, device_id)
    except RuntimeError as e:
        # A MindSpore operation ran before this call: the runtime started on MindSpore's default
        # device and keeps it. That is fine when it is the device asked for.
        running = ms.get_context("device_target")
        if "initialized" not in str(e) or running != target:
            raise DeviceError(f"MindSpore already runs on {running} (an operation ran before "
                              f"setup_device): restart the kernel or process to use {target}") from None
    if device_settings(target).graph_kernel:
        # Graph-kernel fusion; MindSpore 2.x spells the old enable_graph_kernel=True this way.
        ms.set_context(jit_config={"jit_level": "O1"})
    if target == "CPU":
        cores = threads or usable_cores()
        if not _state.get("cpu_threads"):  # MindSpore accepts these once per process
            ms.device_context.cpu.threads_num(cores)
            # One runtime (actor) thread instead of MindSpore's 5: idle ones poll with
            # sched_yield and take cores from the kernels (README "Speed").
            ms.runtime.dispatch_threads_num(1)
            _state["cpu_threads"] = cores
        ds.config.set_num_parallel_workers(cores)
    thread_layouts.use_layout(layout if target == "CPU" and mode == "graph" else None)
    if seed is not None:
        seed_everything(seed)
    return target


def seed_everything(seed):
    """Seed MindSpore's operators (weight initialisation), the dataset pipeline and NumPy."""
    ms.set_seed(seed)
    ds.config.set_seed(seed)
    np.random.seed(seed)


def cpu_threads():
    """CPU kernel threads set by :func:`setup_device` in this process (None: MindSpore's 25)."""
    return _state.get("cpu_threads")


@dataclass(frozen=True)
class DeviceSettings:
    """What MindSpore's model zoo turns on for one device target.

    ``sink``: feed whole epochs through the dataset sink instead of one step per Python call
    (progress is then reported per epoch). ``graph_kernel``: fuse small operators into bigger
    kernels. ``amp_level``: mixed precision; O2 keeps a float16 network with float32
    BatchNorm and loss, and dynamic loss scaling.
    """
    sink: bool = False
    graph_kernel: bool = False
    amp_level: str = "O0"

    def as_dict(self):
        return {"dataset_sink_mode": self.sink, "graph_kernel": self.graph_kernel,
                "amp_level": self.amp_level}


SETTINGS = {
    "CPU": DeviceSettings(),
    "GPU": DeviceSettings(sink=True, graph_kernel=True),
    "Ascend": DeviceSettings(sink=True, amp_level="O2"),
}
AMP_LEVELS = ("O0", "O1", "O2", "O3")


def device_settings(target, sink=None, amp_level=None):
    """The model-zoo settings for ``target`` (CPU, GPU or Ascend); ``sink``/``amp_level`` other
    than None override them. Combinations MindSpore cannot run raise :class:`DeviceError`."""
    target = normalise_target(target)
    if target == "auto":
        raise DeviceError("device_settings needs a resolved target: call resolve_target first")
    settings = SETTINGS[target]
    if sink is not None:
        settings = replace(settings, sink=bool(sink))
    if amp_level is not None:
        if amp_level not in AMP_LEVELS:
            raise DeviceError(f"unknown AMP level {amp_level!r}: choose one of "
                              f"{', '.join(AMP_LEVELS)}")
        settings = replace(settings, amp_level=amp_level)
    if target == "CPU" and settings.amp_level == "O2":
        raise DeviceError("--amp_level O2 needs GPU or Ascend: its dynamic loss scaling is not "
                          "supported on CPU; use O0 (the CPU default) there")
    return settings
