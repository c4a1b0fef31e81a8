"""Data: the MNIST input pipeline (``pipeline``) and, from the command line, data tools."""
from .pipeline import (MNIST_MEAN, MNIST_STD, SPLITS, augmentations, check_labels,
                       create_dataset, image_transforms, load_arrays, locate_split,
                       preprocess)

__all__ = ["MNIST_MEAN", "MNIST_STD", "SPLITS", "augmentations", "check_labels",
           "create_dataset", "image_transforms", "load_arrays", "locate_split", "preprocess"]
