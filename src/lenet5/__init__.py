"""lenet5: the shared code of the LeNet5-on-MNIST course, on MindSpore 2.x.

    import lenet5
    lenet5.setup_device("CPU", seed=1)
    data = lenet5.open_data("mnist")                  # the shipped sample in MNIST/
    net = lenet5.LeNet5()
    lenet5.train(net, data.create_dataset("train"), lenet5.RECIPES["course"])
    lenet5.evaluate(net, data.create_dataset("test"))
    lenet5.save_checkpoint(net, "lenet5.ckpt", data=data)

The course itself is this top level (model, recipes, train, progress, checkpoint, device) and
``lenet5.data``; beside it, ``lenet5.deploy`` (export, quantize, predict, serve, footprint),
``lenet5.analysis`` (predictions, layers, experiments, baselines, plots) and
``lenet5.platform`` (doctor, ModelArts, msrun, threads, CUDA, versions). docs/ARCHITECTURE.md
draws the map. ``deploy`` and ``analysis`` load on first use: ``lenet5.deploy.export(...)``
works after ``import lenet5``.
"""
import importlib

__version__ = "0.2.0"

from . import _env  # noqa: E402,F401  (must run before MindSpore executes anything)
from .platform import compat  # noqa: E402

compat.require()  # one clear line, before a wrong MindSpore or NumPy is imported

from .checkpoint import CheckpointInfo, open_checkpoint  # noqa: E402
from .checkpoint import load as load_checkpoint, save as save_checkpoint  # noqa: E402
from .data import (DataFolder, class_names, create_dataset, load_arrays,  # noqa: E402
                   locate_split, open_data)
from .device import setup_device  # noqa: E402
from .errors import Lenet5Error  # noqa: E402
from .model import LeNet5, count_parameters  # noqa: E402
from .recipes import RECIPES, Recipe  # noqa: E402
from .train import evaluate, predict, train  # noqa: E402

__all__ = ["CheckpointInfo", "DataFolder", "LeNet5", "Lenet5Error", "RECIPES", "Recipe",
           "class_names", "count_parameters", "create_dataset", "evaluate", "load_arrays",
           "load_checkpoint", "locate_split", "open_checkpoint", "open_data", "predict",
           "save_checkpoint", "setup_device", "train"]

_SUBPACKAGES = ("analysis", "deploy", "platform")


def __getattr__(name):  # PEP 562: the subpackages load when first used
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
