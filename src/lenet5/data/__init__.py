"""Data: the input pipeline (``pipeline``), the dataset catalogue (``catalog``), and from the
command line (``python -m lenet5.data``) the downloader and the inspector."""
from .catalog import DATASETS, class_names
from .pipeline import (MNIST_MEAN, MNIST_STD, SPLITS, augmentations, check_labels,
                       create_dataset, find_split, image_transforms, load_arrays,
                       locate_split, preprocess)

__all__ = ["DATASETS", "MNIST_MEAN", "MNIST_STD", "SPLITS", "augmentations", "check_labels",
           "class_names", "create_dataset", "find_split", "image_transforms", "load_arrays",
           "locate_split", "preprocess"]
