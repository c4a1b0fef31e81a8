"""Small, fair training experiments: one recipe change at a time, same seed, same data.

    trial = run_trial("lr 0.1", "MNIST/", RECIPES["course"].with_overrides(lr=0.1, epochs=2))
    trial.accuracy, trial.seconds, trial.step_losses

Used by notebook 05 and by ``tools/recipe_ablation.py``.
"""
from dataclasses import dataclass, field, replace

from mindspore import Parameter, Tensor, load_param_into_net
from mindspore.train import Callback

from ..data import MNIST_MEAN, MNIST_STD, create_dataset
from ..device import seed_everything
from ..model import LeNet5, count_parameters
from ..recipes import RECIPES, Recipe
from ..train import evaluate, train
from .tables import markdown_table

# The parts that turn one recipe into another, in the order an ablation adds them.
PARTS = (
    ("learning-rate schedule", ("lr", "momentum", "batch_size", "schedule", "warmup_epochs")),
    ("weight decay", ("weight_decay",)),
    ("augmentation", ("augment",)),
)


class EpochEvaluator(Callback):
    """Evaluates the network on a held-out dataset after every training epoch, and keeps a copy
    of its weights then (for :meth:`Trial.first_epochs`)."""

    def __init__(self, net, dataset):
        super().__init__()
        self.net, self.dataset = net, dataset
        self.accuracy, self.loss, self.weights = [], [], []

    def on_train_epoch_end(self, run_context):
        scores = evaluate(self.net, self.dataset)
        self.accuracy.append(scores["accuracy"])
        self.loss.append(scores["loss"])
        self.weights.append({name: p.asnumpy().copy()
                             for name, p in self.net.parameters_dict().items()})


class EpochTicks(Callback):
    """Prints each epoch's number as it ends, on the line that :func:`run_trial` began: a trial's
    one line fills in as it trains ("training lr 0.1 (2 epochs x 93 steps): epoch 1, 2; ...")."""

    def on_train_epoch_end(self, run_context):
        epoch = run_context.original_args().cur_epoch_num
        print(f" epoch {epoch}" if epoch == 1 else f", {epoch}", end="", flush=True)


@dataclass
class Trial:
    name: str
    recipe: Recipe
    parameters: int
    step_losses: list
    seconds: float  # training only, including the first step's graph compilation
    accuracy: float  # on the held-out split (``split``), after the last epoch
    epoch_accuracy: list = field(default_factory=list)  # after each epoch, if asked for
    epoch_loss: list = field(default_factory=list)  # held-out loss per image after each epoch
    split: str = "test"  # where accuracy was measured: "val" when choosing, "test" once
    net: object = field(default=None, repr=False, compare=False)  # the trained network
    epoch_seconds: list = field(default_factory=list)  # training time of each epoch
    # with each_epoch: the weights after each epoch, and how to make the network they fit
    epoch_weights: list = field(default_factory=list, repr=False, compare=False)
    make_net: object = field(default=None, repr=False, compare=False)

    @property
    def images_seen(self):
        """Training images seen after each step: the x axis that makes batch sizes comparable."""
        return [(i + 1) * self.recipe.batch_size for i in range(len(self.step_losses))]

    def first_epochs(self, epochs, name=None):
        """This trial as if it had stopped after ``epochs`` epochs: the same trial as
        ``run_trial`` with ``epochs`` in the recipe, without training it again.

        It is: the seed gives the same initial weights and the same order of the training
        images, so the first epochs of a longer run are the steps of a shorter one, as long as
        the learning rate of a step does not depend on how many epochs there are (a constant
        rate; a cosine schedule spreads over all of them). Needs a trial run with
        ``each_epoch=True`` (it keeps the weights after each epoch); makes a network (with
        ``make_net``: a draw of the random initial weights, then replaced).
        """
        if not 1 <= epochs <= len(self.epoch_weights):
            raise ValueError(f"{self.name} kept the weights of {len(self.epoch_weights)} epochs "
                             f"(each_epoch=True keeps them): cannot stop it after {epochs}")
        if self.recipe.schedule != "constant":
            raise ValueError(f"{self.name} has a {self.recipe.schedule} learning-rate schedule: "
                             "its first epochs are not a shorter run's")
        net = self.make_net()
        load_param_into_net(net, {k: Parameter(Tensor(v), name=k)
                                  for k, v in self.epoch_weights[epochs - 1].items()},
                            strict_load=True)
        steps = len(self.step_losses) // self.recipe.epochs * epochs
        return replace(self, name=name or self.name, recipe=self.recipe.with_overrides(epochs=epochs),
                       step_losses=self.step_losses[:steps],
                       seconds=sum(self.epoch_seconds[:epochs]),
                       accuracy=self.epoch_accuracy[epochs - 1],
                       epoch_accuracy=self.epoch_accuracy[:epochs],
                       epoch_loss=self.epoch_loss[:epochs], net=net,
                       epoch_seconds=self.epoch_seconds[:epochs],
                       epoch_weights=self.epoch_weights[:epochs])


def run_trial(name, data_dir, recipe=RECIPES["course"], make_net=LeNet5, num_samples=None, seed=1,
              each_epoch=False, resize=(32, 32), val_split=0.0, quiet=False):
    """Train a fresh network ``make_net()`` with ``recipe`` and measure its accuracy on a
    held-out split: the validation split when ``val_split`` (e.g. 0.1) holds one out of the
    training images (how settings are chosen), else the test split.

    The seed is set before the network is made, so trials differ only in what their settings
    change (the same initial weights for the same architecture).
    ``num_samples``: train on that many training images only, a fixed random subset (the same
    images every epoch and in every trial). ``each_epoch``: also measure the held-out accuracy
    and loss after every epoch (costs one pass each). ``resize``: the image size the network
    takes (the MLP baselines take 28x28); a network that fixes how its input is fitted and
    normalised (LeNet5 lenet1998) gets that. Unless ``quiet``, prints one line per trial that
    fills in as it trains: what it trains, each epoch as it ends, then the accuracy.
    """
    seed_everything(seed)
    net = make_net()
    split = "val" if val_split else "test"
    inputs = network_inputs(net, resize)
    train_set = create_dataset(data_dir, "train", batch_size=recipe.batch_size,
                               augment=recipe.augment, num_samples=num_samples,
                               val_split=val_split, **inputs)
    held_out = create_dataset(data_dir, split, batch_size=256, val_split=val_split, **inputs)
    evaluator = EpochEvaluator(net, held_out) if each_epoch else None
    callbacks = [evaluator] if evaluator else []
    if not quiet:  # a trial takes seconds to a minute: say what trains, then each epoch's end
        epochs = f"{recipe.epochs} epoch{'s' if recipe.epochs != 1 else ''}"
        print(f"training {name} ({epochs} x {train_set.get_dataset_size()} steps):",
              end="", flush=True)
        callbacks.append(EpochTicks())
    result = train(net, train_set, recipe, display=False, callbacks=callbacks)
    accuracy = evaluator.accuracy[-1] if evaluator else evaluate(net, held_out)["accuracy"]
    trial = Trial(name, recipe, count_parameters(net), result.step_losses,
                  sum(result.epoch_seconds), accuracy, evaluator.accuracy if evaluator else [],
                  evaluator.loss if evaluator else [], split, net, result.epoch_seconds,
                  evaluator.weights if evaluator else [], make_net)
    if not quiet:
        print(f"; {split} accuracy {accuracy:.2%}", flush=True)
    return trial


def network_inputs(net, resize=(32, 32)):
    """``create_dataset`` options that prepare MNIST images as ``net`` reads them: its own fit
    and normalisation where it fixes them (LeNet5 lenet1998), else resized to ``resize`` and
    normalised with MNIST's mean and std."""
    mean, std = getattr(net, "normalisation", None) or (MNIST_MEAN, MNIST_STD)
    return {"resize": resize, "fit": getattr(net, "input_fit", "resize"),
            "rescale": 1 / (255 * std), "shift": -mean / std}


def ablation(start=RECIPES["course"], goal=RECIPES["accurate"], epochs=None):
    """``[(label, recipe), ...]`` from ``start`` to ``goal``, adding one part of ``goal`` at a
    time (see ``PARTS``); every recipe trains for ``epochs`` (default: the goal's)."""
    epochs = epochs or goal.epochs
    current = start.with_overrides(epochs=epochs, name=start.name)
    steps = [(start.name, current)]
    for label, names in PARTS:
        changes = {n: getattr(goal, n) for n in names if getattr(goal, n) != getattr(current, n)}
        if "batch_size" in changes:  # a larger batch usually comes with a larger learning rate
            label = f"batch size & {label}"
        if changes:
            current = current.with_overrides(**changes, name=f"+ {label}")
            steps.append((f"+ {label}", current))
    rest = {k: v for k, v in goal.as_dict().items()
            if k not in ("name", "epochs") and getattr(current, k) != v}
    if rest:  # a field PARTS does not know yet: still end exactly at the goal
        current = current.with_overrides(**rest, name="+ other settings")
        steps.append(("+ other settings", current))
    return steps


def format_trials(trials, baseline=None):
    """A table: name, parameters, held-out accuracy (of the trials' split: val or test),
    training seconds (and the change in accuracy, in points, against the trial named
    ``baseline``)."""
    ref = next((t.accuracy for t in trials if t.name == baseline), None)
    splits = sorted({t.split for t in trials})
    accuracy = f"{'/'.join(splits)} accuracy" if splits != ["test"] else "accuracy"
    headers = ["setting", "parameters", accuracy, "train s"] + (["change"] if ref else [])
    rows = [[t.name, f"{t.parameters:,}", f"{t.accuracy:.2%}", f"{t.seconds:.1f}"]
            + ([f"{100 * (t.accuracy - ref):+.2f}"] if ref else []) for t in trials]
    return markdown_table(headers, rows)
