"""Checkpoints that describe themselves: LeNet5's weights and a record of how to use them.

Every checkpoint saved here carries, inside the ``.ckpt`` file (MindSpore's ``append_dict``,
one JSON string under the key ``lenet5``), a :class:`CheckpointInfo`: the architecture
(variant, classes, input size and how a 28x28 image is fitted to it), the data it was trained
on (dataset, class names, pixel normalisation), the recipe and the versions. Everything that
uses a checkpoint reads it from there (``main.py --eval_only``,
``lenet5 predict/export/quantize/footprint/serve``, the notebooks); their flags only override
it. Checkpoints saved before the record existed still load: :func:`open_checkpoint` then says
what it assumed.

    lenet5.save_checkpoint(net, "lenet5.ckpt", data=data, recipe=recipe)
    net, info = lenet5.open_checkpoint("lenet5.ckpt")
    info.classes, info.mean, info.std, info.variant
"""
import json
import os
import sys
from dataclasses import asdict, dataclass, replace

import mindspore as ms

from . import __version__
from .atomic import atomic_path
from .data.catalog import MNIST
from .data.pipeline import FITS
from .errors import CheckpointError, first_line
from .model import INPUTS, LeNet5, VARIANTS

KEY = "lenet5"  # the entry of the .ckpt file that holds the record
# Entries of a training checkpoint that are optimizer state, not weights.
OPTIMIZER_STATE = ("moments.", "learning_rate", "global_step", "momentum")


def fit_classes(classes, num_classes):
    """``classes`` cut or extended to ``num_classes`` names: a network with more outputs than
    the dataset has classes (``--num_classes``) keeps the names and numbers the extra ones."""
    return tuple(classes[:num_classes]) + tuple(str(i) for i in range(len(classes), num_classes))


@dataclass(frozen=True)
class CheckpointInfo:
    """What is needed to use a LeNet5 checkpoint, besides its weights."""
    variant: str = "classic"
    classes: tuple = MNIST.classes  # class names, index = label
    dataset: str = MNIST.name
    mean: float = MNIST.mean  # pixel normalisation of training: x = (p / 255 - mean) / std
    std: float = MNIST.std
    input_size: tuple = tuple(LeNet5.input_size)
    fit: str = "resize"  # 28x28 -> input_size: "resize" (bilinear) or "pad" (lenet1998)
    recipe: dict = None  # the Recipe's fields; None when unknown
    versions: dict = None  # {"lenet5": ..., "mindspore": ...} that saved it
    assumed: bool = False  # True: an old checkpoint without a record; these are the defaults

    @property
    def num_classes(self):
        return len(self.classes)

    @classmethod
    def describe(cls, net, data=None, recipe=None):
        """The record of ``net`` trained on ``data`` (a :class:`lenet5.data.DataFolder`;
        None: MNIST) with ``recipe``. A network that fixes its own normalisation (lenet1998)
        records that one."""
        # LeNet1998 says (its last trainable layer is F6: the RBF codes are fixed); the other
        # networks' last layer has one bias per class.
        num_classes = getattr(net, "num_classes", None) or int(
            net.trainable_params()[-1].shape[0])
        if data is not None:
            dataset, classes, mean, std = data.name, data.classes, data.mean, data.std
        else:
            dataset, mean, std = MNIST.name, MNIST.mean, MNIST.std
            classes = MNIST.classes
        mean, std = getattr(net, "normalisation", None) or (mean, std)
        return cls(variant=getattr(net, "variant", "classic"),
                   classes=fit_classes(classes, num_classes),
                   dataset=dataset, mean=float(mean), std=float(std),
                   input_size=tuple(getattr(net, "input_size", LeNet5.input_size)),
                   fit=getattr(net, "input_fit", "resize"),
                   recipe=recipe.as_dict() if recipe is not None else None,
                   versions={"lenet5": __version__, "mindspore": ms.__version__})

    def entry(self):
        """``{KEY: json}``: what ``append_dict`` stores in the checkpoint file."""
        record = {k: v for k, v in asdict(self).items() if k != "assumed"}
        return {KEY: json.dumps(record, sort_keys=True)}

    @classmethod
    def from_entry(cls, text, path):
        try:
            record = json.loads(text)
            info = cls(**{**record, "classes": tuple(record["classes"]),
                          "input_size": tuple(record["input_size"])})
        except (ValueError, TypeError, KeyError) as e:
            raise CheckpointError(f"checkpoint {path!r} has an unreadable {KEY!r} record "
                                  f"({first_line(e)})") from None
        if info.variant not in VARIANTS:
            raise CheckpointError(f"checkpoint {path!r} records an unknown variant "
                                  f"{info.variant!r}")
        if info.fit not in FITS:
            raise CheckpointError(f"checkpoint {path!r} records an unknown input fit "
                                  f"{info.fit!r}")
        return info

    def input_options(self):
        """How to prepare images for this network: ``lenet5.data.preprocess(images,
        **info.input_options())``, and as well ``labelled_images``."""
        return {"resize": tuple(self.input_size), "fit": self.fit, "mean": self.mean,
                "std": self.std}

    def with_overrides(self, variant=None, num_classes=None):
        """The record as a command's ``--variant``/``--num_classes`` flags change it (a
        variant that fixes its input, lenet1998, brings its fit and normalisation)."""
        info = self
        if variant is not None and variant != self.variant:
            fit, fixed = INPUTS[variant]
            mean, std = fixed or (self.mean, self.std)
            info = replace(self, variant=variant, fit=fit, mean=mean, std=std)
        if num_classes is not None:
            info = replace(info, classes=fit_classes(info.classes, num_classes))
        return info

    def network(self):
        """A fresh LeNet5 of this architecture."""
        return LeNet5(self.num_classes, variant=self.variant)

    def summary(self):
        """One line: 'LeNet5 classic, 10 classes of mnist (0, 1, ..., 9)'."""
        shown = ", ".join(self.classes[:3]) + (", ..., " + self.classes[-1]
                                               if self.num_classes > 3 else "")
        return f"LeNet5 {self.variant}, {self.num_classes} classes of {self.dataset} ({shown})"


def save(net, path, data=None, recipe=None, info=None):
    """Save ``net``'s parameters and their record (``info``, else described from ``data`` and
    ``recipe``) to ``path`` atomically. Returns the :class:`CheckpointInfo` saved."""
    info = info or CheckpointInfo.describe(net, data, recipe)
    with atomic_path(path) as tmp:
        # MindSpore insists on the .ckpt suffix; atomic_path's name ends in .part.
        ms.save_checkpoint(net, tmp + ".ckpt", append_dict=info.entry())
        os.replace(tmp + ".ckpt", tmp)
    return info


def read(path):
    """``(parameters, info)`` of a checkpoint file; ``info`` is None for a checkpoint saved
    before the record existed. Raises :class:`CheckpointError` when it cannot be read."""
    path = os.fspath(path) if path else path
    if not path:
        raise CheckpointError("a checkpoint is needed: --ckpt FILE (main.py writes "
                              "outputs/lenet5.ckpt)")
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path!r} does not exist")
    try:
        entries = ms.load_checkpoint(path)
    except Exception as e:  # MindSpore raises ValueError/RuntimeError with C++ detail
        raise CheckpointError(f"checkpoint {path!r} is not a readable MindSpore checkpoint "
                              f"({first_line(e, 160)})") from None
    record = entries.pop(KEY, None)
    params = {k: v for k, v in entries.items()
              if not k.startswith(OPTIMIZER_STATE) and hasattr(v, "shape")}
    return params, CheckpointInfo.from_entry(record, path) if isinstance(record, str) else None


def _assumed(params):
    """The record an old checkpoint would have had: MNIST, classic, its own class count."""
    weight = params.get("fc3.weight")
    count = int(weight.shape[0]) if weight is not None else MNIST.num_classes
    return CheckpointInfo(assumed=True).with_overrides(num_classes=count)


def load(path, net):
    """Load ``path`` into ``net``, insisting that every parameter matches by name and shape
    and, where the checkpoint records it, that ``net`` is the variant it was trained as."""
    params, info = read(path)
    if info is not None and getattr(net, "variant", info.variant) != info.variant:
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} was trained as LeNet5 "
                              f"{info.variant!r}, not {net.variant!r}")
    _fill(net, params, path)
    return net


def open_checkpoint(path, variant=None, num_classes=None, quiet=False):
    """``(net, info)``: a LeNet5 built as the checkpoint's record says (``variant`` and
    ``num_classes`` override it), with its weights. An old checkpoint without a record is
    taken as MNIST digits and the classic variant, with a note on stderr (unless ``quiet``)."""
    params, info = read(path)
    if info is None:
        info = _assumed(params)
        if not quiet:
            print(f"note: {os.fspath(path)} has no record of how it was trained (saved before "
                  f"lenet5 0.2): taken as {info.summary()}, MNIST's normalisation; --variant "
                  f"and --num_classes override", file=sys.stderr)
    info = info.with_overrides(variant, num_classes)
    return _fill(info.network(), params, path), info


def _fill(net, params, path):
    expected = {p.name: tuple(p.shape) for p in net.get_parameters()}
    found = {k: tuple(v.shape) for k, v in params.items()}
    missing = sorted(set(expected) - set(found))
    mismatched = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    if missing or mismatched or not expected.keys() >= found.keys():
        detail = (f"missing {', '.join(missing[:3])}" if missing else
                  f"{mismatched[0]} has shape {found[mismatched[0]]}, the network expects "
                  f"{expected[mismatched[0]]}" if mismatched else
                  f"unexpected {', '.join(sorted(set(found) - set(expected))[:3])}")
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} does not fit this network "
                              f"({detail}); was it saved from another architecture, "
                              "--variant or --num_classes?")
    ms.load_param_into_net(net, params, strict_load=True)
    return net
