"""The datasets the course can train on: where to get them, how to check them, what they mean.

Checksums come from the publishers, never from a download made here:

* MNIST ``.gz`` MD5s: as torchvision lists them (``torchvision/datasets/mnist.py``);
  MD5s of the uncompressed files: as several independent projects list them (e.g. secml).
* Fashion-MNIST ``.gz`` MD5s: the table in zalandoresearch/fashion-mnist's README; MD5s of
  the uncompressed files: computed from Debian's ``dataset-fashion-mnist`` package (which
  recompresses the files, so its ``.gz`` MD5s differ) and equal to those of the upstream
  ``.gz`` files' contents (checked for both label files against the upstream repository).
* EMNIST ``gzip.zip`` MD5: as torchvision lists it.

Normalisation constants are the pixel mean and standard deviation (of p / 255) over the
whole training split, as ``python -m lenet5.data info DIR`` prints them:

* MNIST 0.1307 / 0.3081: the classic values of the 60,000 training digits;
* Fashion-MNIST 0.2860 / 0.3530: ``python -m lenet5.data info /usr/share/datasets/fashion-mnist``
  (mean 0.286041, std 0.353024 on the 60,000 training images);
* EMNIST: measured on the converted training split when it is made, kept in
  ``DEST/dataset.json`` (the archive cannot be downloaded where this was written).
"""
import string
from dataclasses import dataclass

from ..errors import Lenet5Error

MNIST_FILES = {  # course layout: subfolder/name
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class File:
    """One published file: its name, the MD5 of the file as published (``.gz``) and, where
    known, the MD5 of its uncompressed content (which survives recompression)."""
    name: str
    md5: str
    content_md5: str = None


@dataclass(frozen=True)
class Dataset:
    name: str                 # the --dataset value
    title: str
    classes: tuple            # class names, index = label
    mirrors: tuple            # base URLs tried in order (a file's URL = mirror + file name)
    files: tuple = ()         # File per split file (MNIST-style datasets), in MNIST_FILES order
    archive: File = None      # or one archive holding every variant (EMNIST)
    local_dirs: tuple = ()    # folders a system package installs the files into
    mean: float = None        # pixel mean / std of the training split (p / 255); None: measured
    std: float = None         # when the data folder is made (EMNIST)
    homepage: str = ""
    get_by_hand: str = ""     # how to get the files without this tool

    @property
    def num_classes(self):
        return len(self.classes)


DIGITS = tuple(string.digits)
LETTERS = tuple(string.ascii_uppercase)

MNIST = Dataset(
    "mnist", "MNIST handwritten digits", DIGITS,
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",      # torchvision's mirror
        "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's mirror
        "http://yann.lecun.com/exdb/mnist/",                    # the original site (often refuses)
    ),
    files=(
        File("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
             "6bbc9ace898e44ae57da46a324031adb"),
        File("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
             "a25bea736e30d166cdddb491f175f624"),
        File("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
             "2646ac647ad5339dbf082846283269ea"),
        File("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
             "27ae3e4e09519cfbb04c329615203637"),
    ),
    mean=0.1307, std=0.3081,
    homepage="http://yann.lecun.com/exdb/mnist/",
    get_by_hand="download the four .gz files from https://ossci-datasets.s3.amazonaws.com/mnist/ "
                "(train-*.gz into DEST/train/, t10k-*.gz into DEST/test/)",
)

FASHION = Dataset(
    "fashion", "Fashion-MNIST (Zalando article images)",
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
     "Ankle boot"),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    files=(
        File("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
             "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        File("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
             "9018921c3c673c538a1fc5bad174d6f9"),
        File("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
             "8181f5470baa50b63fa0f6fddb340f0a"),
        File("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
             "15d484375f8d13e6eb1aabb0c3f46965"),
    ),
    local_dirs=("/usr/share/datasets/fashion-mnist",),  # Debian/Ubuntu: dataset-fashion-mnist
    mean=0.2860, std=0.3530,
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    get_by_hand="`apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or download the four "
                ".gz files from https://github.com/zalandoresearch/fashion-mnist (data/fashion/)",
)

EMNIST_ARCHIVE = File("gzip.zip", "58c8d27c78d21e728a6bc7b3cc06412e")
EMNIST_MIRRORS = (
    "https://biometrics.nist.gov/cs_links/EMNIST/",
    "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
)
EMNIST_BY_HAND = ("download gzip.zip (about 560 MB) from "
                  "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip, then run the same "
                  "command with --mirror FOLDER_HOLDING_IT")


def _emnist(name, title, classes):
    return Dataset(name, title, classes, mirrors=EMNIST_MIRRORS, archive=EMNIST_ARCHIVE,
                   homepage="https://www.nist.gov/itl/products-and-services/emnist-dataset",
                   get_by_hand=EMNIST_BY_HAND)


DATASETS = {d.name: d for d in (
    MNIST,
    FASHION,
    _emnist("emnist-digits", "EMNIST Digits (balanced handwritten digits)", DIGITS),
    # EMNIST Letters merges upper and lower case: 26 classes, one name each.
    _emnist("emnist-letters", "EMNIST Letters (26 letters, case merged)", LETTERS),
    # As in STMicroelectronics' ST-MNIST model: the digits and capital letters of EMNIST ByClass
    # (533,993 training and 89,264 test images by ST's count).
    _emnist("emnist-36", "EMNIST digits and capital letters (36 classes)", DIGITS + LETTERS),
)}


def get(name):
    """The :class:`Dataset` called ``name``, or a :class:`Lenet5Error` listing the choices."""
    try:
        return DATASETS[name]
    except KeyError:
        raise Lenet5Error(f"unknown dataset {name!r}: choose one of "
                          f"{', '.join(DATASETS)}") from None


def class_names(name):
    """The class names of dataset ``name``, index = label: ``class_names("fashion")[9]`` is
    ``"Ankle boot"``, ``class_names("emnist-36")[26]`` is ``"Q"``."""
    return list(get(name).classes)


# The shipped sample in MNIST/ (tools/build_mnist_sample.py): SHA-256 of each .gz file and of its
# uncompressed content. The downloader never overwrites these files without --force.
SHIPPED_SAMPLE = {
    "train-images-idx3-ubyte": (
        "970e3171d2e8624d1bcc0db72232cd3b79d623f84df5ce5e02def8f807096a95",
        "f3450f4816dd188f13ae4300153af235f77501427aad3e66b15eab81d513708f"),
    "train-labels-idx1-ubyte": (
        "453ea4e0aaf938af97c81fa6519b9866da9d875b8f254ff9b32c6f463f53848c",
        "40d4f0689e2bf56db162b43949173880f570e0a9c2174b606640ea735ec19f9b"),
    "t10k-images-idx3-ubyte": (
        "6b7bb5ac7f1ab3ed507b9789c8426f5573bbdca6e48b59b633141038962b7a39",
        "5118d2de54c4edb47518a4eb1471243a7e6265c6987890fdf512a5a5aa71ba45"),
    "t10k-labels-idx1-ubyte": (
        "52aac91b9d791a477959686b1e20a400515292f8986c1bac97b7a1a133967085",
        "cbb4094e3fa63b06da733c337ed0c9dfd84b6e7de2d877340450a35a2a83b384"),
}
SHIPPED_SAMPLE_SHA256 = frozenset(h for pair in SHIPPED_SAMPLE.values() for h in pair)
