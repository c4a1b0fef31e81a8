"""Runs the worked solutions of lesson 3's exercises and writes the numbers they quote.

    python tools/solutions_03.py [--json docs/results/solutions-03.json] [--only 1 3]

The code of each solution in course/solutions.md (section 3), with notebook 03's set-up (seed
1, the course recipe, batches of 32 from the training split); ``tools/figures.py`` copies the
numbers into the solutions. Solution 3.5 quotes notebook 05's optimizer trials instead. About
half a minute on a 2-core CPU (three short trainings).
"""
import sys

from mindspore.train import Callback

from solution_setup import DATA, lenet5, run
from lenet5.analysis.experiments import EpochEvaluator

recipe = lenet5.RECIPES["course"]


def fresh_train_set():
    """The training cell's ``train_set``: a new one for each training (MindSpore's Model refuses
    a dataset another Model has trained on)."""
    return lenet5.create_dataset(DATA, "train", batch_size=recipe.batch_size)


def solution_1(nb):
    """The training cell with epochs=6, the test accuracy measured after every epoch (the
    first epoch is the run with epochs=1: the course recipe's rate is constant)."""
    test_set = lenet5.create_dataset(DATA, "test", batch_size=recipe.batch_size)
    six = recipe.with_overrides(epochs=6)
    lenet5.device.seed_everything(1)  # the training cell's start: the same weights and order
    fresh = fresh_train_set()
    net6 = lenet5.LeNet5()
    after_each = EpochEvaluator(net6, test_set)
    result6 = lenet5.train(net6, fresh, six, display=False, callbacks=[after_each])
    return {"test_accuracy": after_each.accuracy, "train_loss": result6.epoch_losses}


class PrintLearningRate(Callback):
    """Prints the learning rate the optimizer will use for the next step."""

    def __init__(self):
        super().__init__()
        self.printed = {}  # what it prints: {step: rate}

    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        last = cb.batch_num * cb.epoch_num   # after the last step there is no next rate
        if cb.cur_step_num % 50 == 0 and cb.cur_step_num < last:
            self.printed[str(cb.cur_step_num)] = float(cb.optimizer.get_lr().asnumpy())


def solution_3(nb):
    one_epoch = recipe.with_overrides(epochs=1)
    rates = {}
    for name, r in (("course", one_epoch),
                    ("cosine", one_epoch.with_overrides(epochs=2, lr=0.05, schedule="cosine",
                                                        warmup_epochs=1))):
        lenet5.device.seed_everything(1)
        printer = PrintLearningRate()
        train_set = fresh_train_set()
        lenet5.train(lenet5.LeNet5(), train_set, r, display=False, callbacks=[printer])
        rates[name] = printer.printed
    return {"steps_per_epoch": train_set.get_dataset_size(), "lr": rates,
            "course_constant": len(set(rates["course"].values())) == 1}


if __name__ == "__main__":
    sys.exit(run(3, {1: solution_1, 3: solution_3}))
