"""Runs the worked solutions of lesson 9's exercises and writes the numbers they quote.

    python tools/solutions_09.py [--json docs/results/solutions-09.json] [--only 1 4]

The code of each solution in course/solutions.md (section 9), with notebook 09's set-up: the
checkpoint of notebook 03 (the course recipe from seed 1, trained here the same way) as ``net``
and ``trained``, the first 64 test digits as ``images``/``labels``, the whole test split as
``all_images``, the conv1 weights ``w1`` of the notebook's fresh LeNet5 and the course's
``criterion``; ``tools/figures.py`` copies the numbers into the solutions. About half a minute
on a 2-core CPU (one training of 3 epochs, 300 NumPy and 300 MindSpore training steps, two
trainings of one epoch). Solution 9.1 also runs the check with the right rule, 9.5 finds the
most common digit of the training split.
"""
import sys
import time
from types import SimpleNamespace

import mindspore as ms
import numpy as np

from solution_setup import DATA, course_network, lenet5, listing, run
from lenet5 import scratch

RELUS = ("conv1", "conv2", "fc1", "fc2")  # the layers a ReLU follows in the classic form


def notebook(folder):
    net, _, _ = course_network(folder)
    lenet5.device.seed_everything(1)  # the notebook's fresh LeNet5 is the first draw after it
    fresh = lenet5.LeNet5()
    test_images, test_labels = lenet5.load_arrays(DATA, "test")
    return SimpleNamespace(
        net=net, trained=scratch.params_of(net), test_images=test_images,
        test_labels=test_labels, images=lenet5.data.preprocess(test_images[:64]),
        labels=test_labels[:64].astype(np.int32), all_images=lenet5.data.preprocess(test_images),
        w1=fresh.conv1.weight.asnumpy(),
        criterion=ms.nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))


def keys(errors):
    """{"conv1.weight": e} -> {"conv1_weight": e}: figures.py reads dots as a key path."""
    return {name.replace(".", "_"): error for name, error in errors.items()}


def solution_1(nb):
    correct = scratch.relu_backward
    scratch.relu_backward = lambda dout, x: dout
    try:
        broken = {"classic": scratch.gradient_check(nb.trained, nb.images[:4], nb.labels[:4],
                                                    nb.net.variant),
                  "course": scratch.gradient_check(scratch.init_params("course"), nb.images[:4],
                                                   nb.labels[:4], "course")}
    finally:
        scratch.relu_backward = correct
    _, cache = scratch.forward_pass(nb.trained, nb.images[:4], nb.net.variant)
    relu_off = {layer: float(np.mean(cache[layer] <= 0)) for layer in RELUS}
    # The notebook's check with the right rule, for comparison (its cell 09-23)
    right = scratch.gradient_check(nb.trained, nb.images[:4], nb.labels[:4], nb.net.variant)
    caught = {form: {n: e for n, e in errors.items() if e > 1e-5}
              for form, errors in broken.items()}
    return {"broken": {form: keys(errors) for form, errors in broken.items()},
            "right": keys(right), "relu_off": relu_off,
            "caught": {form: sorted(c) for form, c in caught.items()},
            "caught_smallest": min(caught["classic"].values()),
            "caught_largest": max(caught["classic"].values()),
            "course_dense_largest": max(e for n, e in broken["course"].items()
                                        if n.startswith("fc")),
            "fc3_unchanged": all(broken["classic"][n] == right[n]
                                 for n in ("fc3.weight", "fc3.bias"))}


class TrainStep(ms.nn.Cell):
    """Notebook 3's training step, with plain SGD: the same update as numpy_step (9.2)."""

    def __init__(self, network, criterion):
        super().__init__()
        self.network, self.criterion = network, criterion
        self.optimizer = ms.nn.SGD(network.trainable_params(), learning_rate=0.01)
        self.grad_fn = ms.value_and_grad(self.forward, None, self.optimizer.parameters)

    def forward(self, images, labels):
        return self.criterion(self.network(images), labels)

    @ms.jit
    def construct(self, images, labels):
        loss, grads = self.grad_fn(images, labels)
        self.optimizer(grads)
        return loss


def solution_2(nb):
    train_x, train_y = lenet5.data.labelled_images(DATA, "train")
    rng = np.random.default_rng(0)
    order = np.concatenate([rng.permutation(len(train_x)) for _ in range(2)])
    batches = order[:300 * 32].reshape(300, 32)
    lenet5.device.seed_everything(1)
    start_net = lenet5.LeNet5()
    params = scratch.params_of(start_net)

    def numpy_step(x, y):
        loss, grads = scratch.loss_and_grads(params, x, y)
        for name in params:
            params[name] -= 0.01 * grads[name]
        return loss

    ms_step = TrainStep(start_net, nb.criterion)
    ms_step.set_train(True)

    def mindspore_step(x, y):
        return ms_step(ms.Tensor(x), ms.Tensor(y.astype(np.int32))).asnumpy()

    def timed(step):
        record = []
        for batch in batches:
            start = time.perf_counter()
            loss = step(train_x[batch], train_y[batch])
            record.append((float(loss), time.perf_counter() - start))
        return np.array(record).T

    runs = {"NumPy": timed(numpy_step), "MindSpore": timed(mindspore_step)}
    start_net.set_train(False)
    answers = {"NumPy": np.concatenate([
                   scratch.forward_pass(params, nb.all_images[i:i + 250])[0].argmax(axis=1)
                   for i in range(0, len(nb.all_images), 250)]),
               "MindSpore": lenet5.predict(start_net, nb.all_images).argmax(axis=1)}
    results = {}
    for name, (losses, seconds) in runs.items():
        results[name] = {"first10": float(losses[:10].mean()), "last50": float(losses[-50:].mean()),
                         "ms_per_step": float(np.median(seconds[1:]) * 1000),
                         "first_step_ms": float(seconds[0] * 1000),
                         "accuracy": float(np.mean(answers[name] == nb.test_labels)),
                         "losses": losses.tolist()}
    gap = np.abs(runs["NumPy"][0] - runs["MindSpore"][0])
    windows = runs["NumPy"][0].reshape(10, 30).mean(axis=1)  # the mean loss per 30 steps
    return results | {
        "largest_difference": float(gap.max()),
        "times_slower": results["NumPy"]["ms_per_step"] / results["MindSpore"]["ms_per_step"],
        "numpy_by_30_steps": windows.tolist(),
        "same_answers": int(np.sum(answers["NumPy"] == answers["MindSpore"])),
        "test_digits": len(nb.test_labels)}


def solution_3(nb):
    raw = lenet5.data.preprocess(nb.test_images[:8], resize=(28, 28))
    ours = scratch.conv2d(raw, nb.w1, padding=2)
    conv = ms.nn.Conv2d(1, 6, 5, pad_mode="pad", padding=2)
    conv.weight.set_data(ms.Tensor(nb.w1))
    theirs = conv(ms.Tensor(raw)).asnumpy()
    padded = np.pad(nb.test_images[:8], ((0, 0), (2, 2), (2, 2)))
    lecun = scratch.conv2d(lenet5.data.preprocess(padded, resize=(32, 32)), nb.w1)
    return {"input": list(raw.shape), "output": list(ours.shape),
            "output_size": scratch.output_size(28, 5, 1, 2), "mindspore": list(theirs.shape),
            "largest_difference": float(np.abs(ours - theirs).max()),
            "largest_value": float(np.abs(theirs).max()),
            "lecun_difference": float(np.abs(lecun - ours).max()),
            "lecun_inside": float(np.abs(lecun - ours)[:, :, 2:-2, 2:-2].max())}


def solution_4(nb):
    forms = {"LeNet5": scratch.WINDOWS,
             "3x3": [("conv1", 3, 1), ("pool1", 2, 2), ("conv2", 3, 1), ("pool2", 2, 2),
                     ("fc1", 6, 1)],
             "stride2": [("conv1", 5, 2), ("conv2", 5, 2), ("fc1", 5, 1)]}
    results = {}
    for form, layers in forms.items():
        size, rows = 32, {}
        for (name, field, jump), (_, kernel, stride) in zip(scratch.receptive_fields(layers),
                                                            layers):
            size = scratch.output_size(size, kernel, stride)
            rows[name] = {"size": size, "field": field, "jump": jump}
        results[form] = rows
    return results


def solution_5(nb):
    one_epoch = lenet5.RECIPES["course"].with_overrides(epochs=1)
    inits = {"normal": scratch.init_params(scheme="normal", sigma=0.01),
             "xavier": scratch.init_params(scheme="xavier")}
    results = {}
    for label, params in inits.items():
        lenet5.device.seed_everything(1)
        network = lenet5.LeNet5()
        not_loaded, _ = ms.load_param_into_net(
            network, {name: ms.Parameter(ms.Tensor(value), name=name)
                      for name, value in params.items()})
        assert not not_loaded, not_loaded
        train_set = lenet5.create_dataset(DATA, "train", batch_size=one_epoch.batch_size)
        result = lenet5.train(network, train_set, one_epoch, display=False)
        answers = lenet5.predict(network, nb.all_images).argmax(axis=1)
        results[label] = {"epoch_loss": result.epoch_losses[0],
                          "last50": float(np.mean(result.step_losses[-50:])),
                          "accuracy": float(np.mean(answers == nb.test_labels)),
                          "answers": listing(np.unique(answers)),
                          "distinct_answers": len(np.unique(answers)),
                          "steps": len(result.step_losses), "losses": result.step_losses}
    # The most common digit of the training split, and its share of the test split
    common = int(np.bincount(lenet5.load_arrays(DATA, "train")[1]).argmax())
    return results | {"most_common_train": common,
                      "its_test_share": float(np.mean(nb.test_labels == common))}


if __name__ == "__main__":
    sys.exit(run(9, {1: solution_1, 2: solution_2, 3: solution_3, 4: solution_4,
                     5: solution_5}, notebook))
