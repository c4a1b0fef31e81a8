"""Notebook 5 (experiments): answers to its checked questions.

The checks read trials the notebook trained (base, long_run, lenet, small); here they are
Trial records with the notebook's numbers, so the checks run in a second, without training."""
import numpy as np

from lenet5 import RECIPES
from lenet5.analysis.experiments import Trial

course, accurate = RECIPES["course"], RECIPES["accurate"]
EPOCHS = 5


def diverged(losses):
    losses = np.asarray(losses, dtype=float)
    return bool(not np.isfinite(losses).all() or losses[-20:].mean() > 2.0)


def lr_for(batch_size):
    return course.lr * batch_size / course.batch_size


def beats_for_good(curve, target):
    for epoch in range(1, len(curve) + 1):
        if all(value > target for value in curve[epoch - 1:]):
            return epoch
    return None


def _variants(**schedule):
    short = accurate.with_overrides(epochs=EPOCHS)
    return {"accurate": short,
            "- augmentation": short.with_overrides(augment=False),
            "- weight decay": short.with_overrides(weight_decay=0.0),
            "- schedule": short.with_overrides(**{"lr": course.lr, "schedule": "constant",
                                                  "warmup_epochs": 0, **schedule})}


def _trial(name, recipe, accuracy, parameters=61706, split="val", losses=(), epoch_accuracy=()):
    return Trial(name, recipe, parameters, list(losses), 1.0, accuracy, list(epoch_accuracy), [], split)


# The 12-epoch run of section 5 as one run printed it (seed 1, the shipped sample).
LONG = [0.95, 0.96375, 0.96375, 0.96875, 0.96375, 0.97625, 0.97125, 0.96875, 0.975, 0.9675,
        0.97125, 0.97375]


def right():
    quick = course.with_overrides(epochs=2)
    return {"diverged": diverged, "base": _trial("course", quick, 0.925, losses=np.geomspace(2.3, 0.2, 186)),
            "lr_for": lr_for, "updates_128": 46,
            "small": _trial("MLP 784-76-10", course, 0.93375, parameters=60430), "course": course,
            "only_size": False,
            "variants": _variants(), "accurate": accurate, "EPOCHS": EPOCHS,
            "beats_for_good": beats_for_good, "course_for_good": 6,
            "long_run": _trial("course", course.with_overrides(epochs=12), LONG[-1], epoch_accuracy=LONG),
            "lenet": _trial("LeNet5 (classic)", course, 0.96375),
            "quiz5_1": "b", "quiz5_2": "c", "quiz5_3": "d", "quiz5_4": "a"}


def _first_above(curve, target):  # the first epoch above, not "for good"
    return next((e for e, value in enumerate(curve, 1) if value > target), None)


def _from_zero(curve, target):  # the right epoch, counted from 0
    result = beats_for_good(curve, target)
    return None if result is None else result - 1


def _at_least(curve, target):  # >= instead of >
    return beats_for_good(curve, target - 1e-12)


def _past_the_end(curve, target):  # the epoch after the last one at or below the target
    below = [e for e, value in enumerate(curve, 1) if value <= target]
    return below[-1] + 1 if below else 1


_without = {"- augmentation": accurate.with_overrides(epochs=EPOCHS, augment=False, weight_decay=0.0)}

WRONG = {
    "ex5_1": [({"diverged": lambda losses: bool(np.mean(losses[-20:]) > 2.0)}, "np.isfinite"),  # nan > 2 is False
              ({"diverged": lambda losses: not np.isfinite(losses).all()}, "even with no nan"),
              ({"diverged": lambda losses: bool(min(losses) > 2.0 or not np.isfinite(losses).all())}, "not the lowest loss"),
              ({"diverged": lambda losses: bool(losses[-1] > 2.0 or not np.isfinite(losses).all())}, "Average the last 20"),
              ({"diverged": lambda losses: True}, "has not diverged"),
              ({"diverged": lambda losses: "yes"}, "True or False")],
    "ex5_2": [({"lr_for": lambda b: course.lr * course.batch_size / b}, "not smaller"),
              ({"lr_for": lambda b: course.lr * (b / course.batch_size) ** 0.5}, "Not yet"),
              ({"updates_128": 23}, "one epoch's updates"),
              ({"updates_128": 48}, "drops the last, incomplete batch"),
              ({"updates_128": 186}, "Not yet")],
    "ex5_3": [({"small": _trial("MLP 784-76-10", course, 0.93, parameters=60430, split="test")}, "val_split=VAL"),
              ({"small": _trial("MLP 784-76-10", course.with_overrides(epochs=2), 0.92, parameters=60430)}, "same recipe"),
              ({"small": _trial("MLP 784-128-64-10", course, 0.9375, parameters=109386)}, "make_net=small_mlp"),
              ({"small": _trial("MLP 784-76-10", course, 0.1, parameters=60430)}, "too low"),
              ({"small": 0.93375}, "the trial that run_trial returns"),
              ({"only_size": True}, "more than six times")],
    "ex5_4": [({"variants": {k: r.with_overrides(epochs=accurate.epochs) for k, r in _variants().items()}}, "EPOCHS epochs"),
              ({"variants": _variants(lr=accurate.lr)}, "course.lr"),
              ({"variants": {**_variants(), **_without}}, "one part at a time"),
              ({"variants": _variants(warmup_epochs=1)}, "Not yet"),
              ({"variants": [accurate]}, "a dict with the keys")],
    "ex5_5": [({"beats_for_good": _first_above, "course_for_good": _first_above(LONG, 0.96375)}, "first epoch above"),
              ({"beats_for_good": _from_zero, "course_for_good": 5}, "Count the epochs from 1"),
              ({"beats_for_good": _at_least, "course_for_good": 6}, "equal to the target"),
              ({"beats_for_good": _past_the_end, "course_for_good": 6}, "return None"),
              ({"course_for_good": 4}, "long_run.epoch_accuracy"),
              ({"beats_for_good": lambda curve, target: "4"}, "whole number, or None")],
    "quiz5_1": [({"quiz5_1": "a"}, "never changes the weights"), ({"quiz5_1": "c"}, "800 validation images")],
    "quiz5_2": [({"quiz5_2": "b"}, "holds no more of the digit"), ({"quiz5_2": "d"}, "size is not the difference")],
    "quiz5_3": [({"quiz5_3": "b"}, "never looks at the test split"), ({"quiz5_3": "x"}, "one of the letters")],
    "quiz5_4": [({"quiz5_4": "d"}, "every parameter"), ({"quiz5_4": "b"}, "turns them on")],
}
