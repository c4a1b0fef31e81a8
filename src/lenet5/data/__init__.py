"""Data: the input pipeline (``pipeline``), datasets in local folders (``folder``), the
dataset catalogue (``catalog``), and from the command line (``python -m lenet5.data``) the
downloader (``download``) and the inspector (``describe``)."""
from .catalog import DATASETS, class_names
from .folder import DataFolder, default_folder, open_data
from .pipeline import (FITS, MNIST_MEAN, MNIST_STD, SPLIT_NAMES, SPLITS, augmentations,
                       check_labels, create_dataset, find_split, image_transforms,
                       labelled_images, load_arrays, locate_split, pixel_stats, preprocess,
                       split_indices, split_size)

__all__ = ["DATASETS", "DataFolder", "FITS", "MNIST_MEAN", "MNIST_STD", "SPLITS", "SPLIT_NAMES",
           "augmentations", "check_labels", "class_names", "create_dataset", "default_folder",
           "find_split", "image_transforms", "labelled_images", "load_arrays", "locate_split",
           "open_data", "pixel_stats", "preprocess", "split_indices", "split_size"]
