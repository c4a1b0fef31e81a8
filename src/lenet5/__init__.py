"""lenet5: the shared code of the LeNet5-on-MNIST course, on MindSpore 2.x.

    from lenet5 import setup_device, create_dataset, LeNet5, train, evaluate
"""
from . import _env  # noqa: F401  (must run before MindSpore executes anything)
from . import compat

compat.require()  # one clear line, before a wrong MindSpore or NumPy is imported

from .checkpoint import load as load_checkpoint, save as save_checkpoint
from .data import class_names, create_dataset, load_arrays, locate_split
from .device import setup_device
from .errors import Lenet5Error
from .model import LeNet5, count_parameters
from .recipes import RECIPES, Recipe
from .train import evaluate, predict, train

__version__ = "0.1.0"
__all__ = ["LeNet5", "Lenet5Error", "RECIPES", "Recipe", "class_names", "count_parameters",
           "create_dataset", "evaluate", "load_arrays", "load_checkpoint", "locate_split",
           "predict", "save_checkpoint", "setup_device", "train"]
