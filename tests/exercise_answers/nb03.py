"""Notebook 3 (training): answers to its checked questions."""
import types

import mindspore as ms
import numpy as np
from mindspore.train import Callback

import lenet5


class PrintLearningRate(Callback):
    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        if cb.cur_step_num % 50 == 0 and cb.cur_step_num < cb.batch_num * cb.epoch_num:
            print(f"step {cb.cur_step_num}: lr {float(cb.optimizer.get_lr().asnumpy()):.4f}")


class EveryStep(Callback):                       # forgot the % 50
    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        print(f"step {cb.cur_step_num}: lr {float(cb.optimizer.get_lr().asnumpy()):.4f}")


class OffByOne(Callback):                        # counts steps from 0
    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        if (cb.cur_step_num + 1) % 50 == 0:
            print(f"step {cb.cur_step_num}: lr {float(cb.optimizer.get_lr().asnumpy()):.4f}")


class PrintsParameter(Callback):                 # prints the Parameter, not its value
    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        if cb.cur_step_num % 50 == 0:
            print(f"step {cb.cur_step_num}: lr {cb.optimizer.get_lr()}")


class Silent(Callback):
    def on_train_step_end(self, run_context):
        pass


def accuracy_on(network, dataset):
    network.set_train(False)
    hits = seen = 0
    for x, y in dataset.create_tuple_iterator(output_numpy=True):
        hits += int((network(ms.Tensor(x)).asnumpy().argmax(axis=1) == y).sum())
        seen += len(y)
    return hits / seen


def batch_mean(network, dataset):                # the mean of the batches' accuracies
    network.set_train(False)
    return float(np.mean([(network(ms.Tensor(x)).asnumpy().argmax(axis=1) == y).mean()
                          for x, y in dataset.create_tuple_iterator(output_numpy=True)]))


def count(network, dataset):                     # right answers, not their share
    return accuracy_on(network, dataset) * sum(len(y) for _, y in dataset.create_tuple_iterator(output_numpy=True))


def right():
    ms.set_seed(1)
    result = types.SimpleNamespace(epoch_seconds=[1.5, 0.9, 0.8], seconds=3.2,
                                   step_losses=list(np.linspace(2.3, 0.1, 750)))
    return {"epoch_accuracy": [0.9, 0.92, 0.93], "scores": {"accuracy": 0.93}, "result": result,
            "first_epoch_s": 1.5, "later_epoch_s": 0.85, "why_slow": "b",
            "PrintLearningRate": PrintLearningRate,
            "accuracy_on": accuracy_on, "manual_net": lenet5.LeNet5(), "manual_accuracy": 0.95,
            "correct": 1900, "total": 2000,
            "sgd_losses": list(np.linspace(2.31, 2.25, 50)), "same_experiment": True,
            "quiz3_1": "a", "quiz3_2": "c", "quiz3_3": "d"}


WRONG = {
    "ex3_1": [({"epoch_accuracy": [90.0, 92.0, 93.0]}, "not a percentage"),
              ({"epoch_accuracy": [0.1, 0.09, 0.11]}, "untrained network"),          # weights not loaded
              ({"epoch_accuracy": [0.93, 0.93, 0.93]}, "All three accuracies are equal"),
              ({"epoch_accuracy": [0.95, 0.97, 0.98]}, "Not yet"),                  # measured on the training split
              ({"epoch_accuracy": [0.9, 0.92]}, "three accuracies")],
    "ex3_2": [({"first_epoch_s": 3.2}, "whole training"),
              ({"later_epoch_s": (1.5 + 0.9 + 0.8) / 3}, "leave the first out"),
              ({"why_slow": "c"}, "only once, before the first step"),
              ({"why_slow": "compile"}, "one of the letters")],
    "ex3_3": [({"PrintLearningRate": EveryStep}, "other steps than every 50th"),
              ({"PrintLearningRate": OffByOne}, "counts from 1"),
              ({"PrintLearningRate": PrintsParameter}, "prints its name, not its value"),
              ({"PrintLearningRate": Silent}, "printed nothing"),
              ({"PrintLearningRate": object}, "Define a class PrintLearningRate(Callback)")],
    "ex3_4": [({"accuracy_on": batch_mean}, "Average over images, not over batches"),
              ({"accuracy_on": count, "manual_accuracy": 1900}, "not a count or a percentage"),
              ({"manual_accuracy": 0.9}, "manual_accuracy should be accuracy_on(manual_net, test_set)"),
              ({"accuracy_on": lambda network, dataset: None, "manual_accuracy": None}, "returns a number")],
    "ex3_5": [({"sgd_losses": [2.3] * 20 + [float("nan")] * 30}, "the learning rate diverges"),
              ({"sgd_losses": [np.array(2.3)] * 20 + [np.array(np.nan)] * 30}, "the learning rate diverges"),  # 0-d arrays
              ({"sgd_losses": [0.05] * 50}, "already trained"),                   # continued from manual_net
              ({"sgd_losses": list(np.linspace(2.3, 0.6, 50))}, "nn.SGD's default rate is 0.1"),
              ({"sgd_losses": list(np.linspace(2.31, 2.25, 49))}, "list of 50 numbers"),
              ({"same_experiment": False}, "What is v when momentum is 0"),
              ({"same_experiment": "yes"}, "True or False")],
    "quiz3_1": [({"quiz3_1": "b"}, "start random"), ({"quiz3_1": "d"}, "whatever the images")],
    "quiz3_2": [({"quiz3_2": "a"}, "returns a function")],
    "quiz3_3": [({"quiz3_3": "a"}, "their order is not"), ({"quiz3_3": "c"}, "drop_remainder")],
}

# Other right answers a learner may give: they pass.
ALSO_RIGHT = {
    "ex3_1": [{"epoch_accuracy": np.array([0.9, 0.92, 0.93], np.float32), "scores": {"accuracy": 0.93}}],
    "ex3_4": [{"manual_accuracy": np.float32(0.95)}],
    "ex3_5": [{"sgd_losses": [np.float32(v) for v in np.linspace(2.31, 2.25, 50)]}],
}
