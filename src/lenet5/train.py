"""The Momentum training loop of the course, on ``mindspore.train.Model``."""
import contextlib
import time
from dataclasses import dataclass, field

import mindspore as ms
import mindspore.nn as nn
import numpy as np
from mindspore.ops import functional as F
from mindspore.train import CheckpointConfig, Metric, Model, ModelCheckpoint
from mindspore.train.amp import AMP_WHITE_LIST

from . import inference
from .checkpoint import CheckpointInfo
from .platform import threads
from .progress import TrainingMonitor
from .recipes import RECIPES


def loss_fn(net=None):
    """The course's loss: softmax cross-entropy on integer labels, averaged over the batch.

    For LeNet5 lenet1998 the same loss, with the same gradients, as ``nn.CrossEntropyLoss``:
    its logits are negative squared distances, often more than 88 apart, and there
    MindSpore 2.10's sparse ``SoftmaxCrossEntropyWithLogits`` reports ``inf`` on CPU (its
    float32 softmax underflows to 0 before the log).
    """
    if getattr(net, "variant", None) == "lenet1998":
        return nn.CrossEntropyLoss(reduction="mean")
    return nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")


def mean_loss(logits, labels):
    """The mean softmax cross-entropy per image, in float64 (the course's loss, as evaluated)."""
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels).astype(np.int64)
    if not len(y):
        return float("nan")
    z = z - z.max(axis=1, keepdims=True)
    return float((np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]).mean())


class MeanLoss(Metric):
    """The mean cross-entropy per image of an evaluation through ``Model.eval``. (MindSpore's
    ``nn.Loss`` averages the batch means, so a short last batch weighs as much as a full one and
    the result depends on the batch size: 0.1302 at batch 32 against 0.1312 at 250 for the same
    network.)"""

    def __init__(self):
        super().__init__()
        self.clear()

    def clear(self):
        self.total, self.count = 0.0, 0

    def update(self, logits, labels):
        y = self._convert_data(labels)
        self.total += mean_loss(self._convert_data(logits), y) * len(y)
        self.count += len(y)

    def eval(self):
        return self.total / self.count if self.count else float("nan")


def metrics():
    """What an evaluation reports: accuracy and the mean loss per image."""
    return {"accuracy": nn.Accuracy(), "loss": MeanLoss()}


def learning_rates(recipe, steps_per_epoch):
    """The recipe's learning rate as one number (constant) or one value per step (cosine
    with a linear warm-up)."""
    if recipe.schedule == "constant":
        return recipe.lr
    lr, total = recipe.lr, steps_per_epoch * recipe.epochs
    warmup = steps_per_epoch * recipe.warmup_epochs
    steps = np.arange(total, dtype=np.float64)
    cosine = 0.5 * lr * (1 + np.cos(np.pi * (steps - warmup) / max(1, total - warmup)))
    ramp = lr * (steps + 1) / max(1, warmup)
    return np.where(steps < warmup, ramp, cosine).astype(np.float32).tolist()


def make_optimizer(recipe, params, steps_per_epoch):
    """``nn.Momentum`` (the course's; momentum 0 is plain SGD) or ``nn.Adam``, as the recipe
    says."""
    rate = learning_rates(recipe, steps_per_epoch)
    if recipe.optimizer == "adam":
        return nn.Adam(params, learning_rate=rate, weight_decay=recipe.weight_decay)
    return nn.Momentum(params, learning_rate=rate, momentum=recipe.momentum,
                       weight_decay=recipe.weight_decay)


def make_model(net, recipe, steps_per_epoch, amp_level="O0"):
    """A ``Model`` with the course's loss, the recipe's optimizer and accuracy/loss metrics.

    ``amp_level``: MindSpore's mixed precision (see ``device.device_settings``); for O1 on
    LeNet5 use :func:`train`, which works around MindSpore's O1 (:func:`amp_o1`)."""
    optimizer = make_optimizer(recipe, net.trainable_params(), steps_per_epoch)
    return Model(net, loss_fn(net), optimizer, metrics=metrics(), amp_level=amp_level)


class _Float32Output(nn.Cell):
    """Runs one cell in float16 and returns float32 (MindSpore's ``amp._OutputTo32``)."""

    def __init__(self, cell):
        super().__init__(auto_prefix=False)  # keeps the parameter names (conv1.weight)
        self.inner = cell.to_float(ms.float16)

    def construct(self, x):
        return F.mixed_precision_cast(ms.float32, self.inner(x))


@contextlib.contextmanager
def amp_o1(net):
    """AMP level O1 for the length of the block: ``net``'s convolutions and Dense layers compute
    in float16 with float32 outputs, everything else stays float32, as MindSpore's O1 intends.

    MindSpore 2.10 implements O1 by rewriting the network's Python source into a
    ``rewritten_network/`` folder of the current directory and importing it back, which fails on
    LeNet5's ``MaxPool2d`` subclass (``TypeError: MaxPool2dOpt.__init__()``). This is MindSpore
    1.x's way instead (wrap the white-listed cells), undone afterwards so that evaluation and
    export see the float32 network they were given.
    """
    kinds = tuple(k for k in AMP_WHITE_LIST if isinstance(k, type) and issubclass(k, nn.Cell))
    swapped = []  # (parent cell, attribute name, original cell)
    for _, parent in net.cells_and_names():
        for name, cell in list(parent.name_cells().items()):
            if isinstance(cell, kinds):
                swapped.append((parent, name, cell))
    try:
        for parent, name, cell in swapped:
            parent._cells[name] = _Float32Output(cell)
        yield net
    finally:
        for parent, name, cell in swapped:
            parent._cells[name] = cell
            cell.add_flags_recursive(fp16=False)


@dataclass
class TrainResult:
    epoch_losses: list
    step_losses: list
    epoch_seconds: list
    seconds: float
    images: int
    checkpoints: list = field(default_factory=list)

    @property
    def images_per_second(self):
        return self.images / self.seconds if self.seconds else 0.0


def train(net, dataset, recipe=RECIPES["course"], ckpt_dir=None, display="auto", sink=False,
          callbacks=(), amp_level="O0", checkpoint_info=None):
    """Train ``net`` on ``dataset`` (from :func:`create_dataset`) with ``recipe`` (its epochs,
    optimizer and learning rates; the batch size is the dataset's); return a
    :class:`TrainResult`.

    ``ckpt_dir``: also save a checkpoint after every epoch there
    (``lenet5-<epoch>_<step>.ckpt``), each with ``checkpoint_info`` (default: the network and
    recipe with MNIST's classes; see :mod:`lenet5.checkpoint`). ``display``: see
    :class:`TrainingMonitor`. ``sink``: feed whole epochs through MindSpore's dataset sink
    (GPU/Ascend; MindSpore runs CPU training without sink whatever is asked). ``amp_level``:
    mixed precision (see ``device.device_settings``). On CPU in GRAPH mode, MindSpore's
    threads run where they are fastest, which depends on what else uses the CPU
    (:mod:`lenet5.platform.threads`; ``setup_device(layout=...)``).
    """
    steps = dataset.get_dataset_size()
    with amp_o1(net) if amp_level == "O1" else contextlib.nullcontext():
        model = make_model(net, recipe, steps, "O0" if amp_level == "O1" else amp_level)
        if ckpt_dir:
            info = checkpoint_info or CheckpointInfo.describe(net, recipe=recipe)
            callbacks = [*callbacks, epoch_checkpoints(ckpt_dir, steps, recipe.epochs, info)]
        return _fit(model, dataset, steps, recipe.epochs, display, sink, callbacks)


def epoch_checkpoints(folder, steps_per_epoch, epochs, info):
    """MindSpore's ``ModelCheckpoint``, saving after every epoch, each file with ``info``."""
    return ModelCheckpoint(prefix="lenet5", directory=folder, config=CheckpointConfig(
        save_checkpoint_steps=steps_per_epoch, keep_checkpoint_max=epochs,
        append_info=[info.entry()]))


def _fit(model, dataset, steps, epochs, display, sink, callbacks):
    """``model.train`` with the progress display, checkpoints and thread layout of train()."""
    monitor = TrainingMonitor(dataset.get_batch_size(), steps, epochs, display=display)
    tuner = threads.tuner_for(f"train {dataset.get_batch_size()}", notify=monitor.note)
    start = time.perf_counter()
    try:
        model.train(epochs, dataset, callbacks=[monitor, *callbacks] + ([tuner] if tuner else []),
                    dataset_sink_mode=sink)
    finally:
        if tuner:
            tuner.restore()
    seconds = time.perf_counter() - start
    savers = [c for c in callbacks if isinstance(c, ModelCheckpoint)]
    return TrainResult(monitor.epoch_losses, monitor.step_losses, monitor.epoch_seconds, seconds,
                       images=steps * dataset.get_batch_size() * epochs,
                       checkpoints=[s.latest_ckpt_file_name for s in savers])


def evaluate(net, dataset):
    """Accuracy and mean loss per image of ``net`` on ``dataset``: ``{"accuracy": ...,
    "loss": ...}``; neither depends on the batch size.

    The network runs in large chunks whatever the dataset's batch size, and a test or
    validation set from :func:`create_dataset` goes through its input pipeline only the first
    time it is evaluated (:mod:`lenet5.inference`)."""
    images, labels = inference.dataset_arrays(dataset)
    logits = inference.logits(net, images)
    return {"accuracy": float(np.mean(logits.argmax(axis=1) == labels)),
            "loss": mean_loss(logits, labels)}


def softmax(logits):
    """Class probabilities from logits (N, classes), in NumPy: float64 inside, float32 out."""
    z = np.asarray(logits, dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


def predict(net, images):
    """Class probabilities for a float32 batch (N, 1, 32, 32) already normalised like training."""
    return softmax(inference.logits(net, images))
