"""lenet5.scratch, the NumPy LeNet5, against MindSpore's on real digits of the shipped sample:
logits, loss and every gradient, for both variants, freshly initialised and briefly trained;
the two convolutions against each other; the backward pass against finite differences."""
import ast

import mindspore as ms
import numpy as np
import pytest

import lenet5
from helpers import ROOT, SAMPLE
from lenet5 import scratch
from lenet5.data.pipeline import labelled_images
from lenet5.device import seed_everything
from lenet5.model import VARIANTS

# lenet5.scratch is the two forms of LeNet5 in NumPy; lenet1998 is a network of its own.
FORMS = ("classic", "course")
from lenet5.train import loss_fn

# float32 against float32: MindSpore (oneDNN) and NumPy add the same terms in other orders, so
# each sum differs by some units of float32's 6e-8 rounding step times the size of its terms.
# Measured: at most 3e-6 of the array's largest value (logits, loss and every gradient, both
# variants, fresh and trained, batch 64; the worst is conv1.bias, a sum of 50,176 terms). The
# bound leaves a factor of about 7 for other CPUs and thread counts; a wrong formula is off
# by 1e-2 or more.
TOLERANCE = 2e-5
STATES = ("fresh", "trained")
_nets = {}


@pytest.fixture(scope="module", autouse=True)
def cpu():
    lenet5.setup_device("CPU", seed=1)


@pytest.fixture(scope="module")
def digits():
    """64 test digits of the sample as the network reads them: (64, 1, 32, 32), normalised."""
    return labelled_images(SAMPLE, "test", limit=64, seed=0)


def network(variant, state):
    """LeNet5 freshly initialised, or trained for 200 steps (6,400 images, about 3 s)."""
    if (variant, state) not in _nets:
        seed_everything(1)  # the same network whichever tests run, in whatever order
        net = lenet5.LeNet5(variant=variant)
        if state == "trained":
            data = lenet5.create_dataset(SAMPLE, "train", num_samples=6400)
            lenet5.train(net, data, lenet5.RECIPES["course"].with_overrides(epochs=1),
                         display=False)
        _nets[variant, state] = net
    return _nets[variant, state]


def assert_close(ours, theirs, what):
    """Equal up to TOLERANCE times the largest magnitude in ``theirs``."""
    error = np.abs(ours - theirs).max() / np.abs(theirs).max()
    assert error <= TOLERANCE, f"{what}: error {error:.2e} of the largest value"


def mindspore_loss_and_grads(net, x, labels):
    """The course's loss and its gradient for every trainable parameter, by name, in the
    training path (``set_train(True)``: the pools take their faster CPU form)."""
    loss = loss_fn()

    def mindspore_loss(images, targets):  # MindSpore's jit cannot parse a lambda inside a call
        return loss(net(images), targets)

    net.set_train(True)
    step = ms.jit(ms.value_and_grad(mindspore_loss, None, net.trainable_params()))
    value, grads = step(ms.Tensor(x), ms.Tensor(labels.astype(np.int32)))
    net.set_train(False)
    names = [p.name for p in net.trainable_params()]
    return float(value), {n: g.asnumpy() for n, g in zip(names, grads)}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("variant", FORMS)
def test_logits_equal_mindspore(variant, state, digits):
    x, _ = digits
    net = network(variant, state)
    logits, _ = scratch.forward_pass(scratch.params_of(net), x, variant)
    for training in (False, True):  # evaluation's MaxPool and training's adaptive pool
        net.set_train(training)
        assert_close(logits, net(ms.Tensor(x)).asnumpy(), f"logits (training={training})")
    net.set_train(False)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("variant", FORMS)
def test_gradients_equal_mindspore(variant, state, digits):
    x, labels = digits
    net = network(variant, state)
    loss, grads = scratch.loss_and_grads(scratch.params_of(net), x, labels, variant)
    want_loss, want = mindspore_loss_and_grads(net, x, labels)
    assert abs(loss - want_loss) <= TOLERANCE * want_loss
    assert grads.keys() == want.keys()
    for name in want:
        assert grads[name].shape == want[name].shape, name
        assert_close(grads[name], want[name], name)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("variant", FORMS)
def test_finite_differences(variant, state, digits):
    x, labels = digits
    errors = scratch.gradient_check(scratch.params_of(net := network(variant, state)), x[:4],
                                    labels[:4], variant)
    assert errors.keys() == {p.name for p in net.trainable_params()}
    assert max(errors.values()) < 1e-6, errors  # measured: at most 4e-8 (eps 1e-5)


def test_gradient_check_finds_a_wrong_backward_pass(digits, monkeypatch):
    x, labels = digits
    params = scratch.init_params("classic")
    monkeypatch.setattr(scratch, "relu_backward", lambda dout, x: dout)  # forgets the mask
    errors = scratch.gradient_check(params, x[:4], labels[:4])
    assert errors["fc3.weight"] < 1e-6 and errors["conv1.weight"] > 1e-2, errors


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 2), (3, 1)])
def test_loops_equal_im2col(stride, padding, digits):
    """Forward and backward, on real digits (conv1's shapes) and on conv2's shapes."""
    rng = np.random.default_rng(stride + padding)
    x1 = digits[0][:2].astype(np.float64)
    x2 = rng.normal(size=(2, 6, 14, 14))
    for x, w in ((x1, rng.normal(size=(6, 1, 5, 5))), (x2, rng.normal(size=(16, 6, 5, 5)))):
        b = rng.normal(size=w.shape[0])
        out = scratch.conv2d(x, w, b, stride, padding)
        np.testing.assert_allclose(scratch.conv2d_loops(x, w, b, stride, padding), out,
                                   rtol=1e-12, atol=1e-12)
        size = scratch.output_size(x.shape[2], 5, stride, padding)
        assert out.shape == (2, w.shape[0], size, size)
        dout = rng.normal(size=out.shape)
        for a, c in zip(scratch.conv2d_loops_backward(dout, x, w, stride, padding),
                        scratch.conv2d_backward(dout, x, w, stride, padding)):
            np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_padding_and_stride_as_mindspore(digits):
    x = digits[0][:2]
    w = np.random.default_rng(0).normal(size=(6, 1, 5, 5)).astype(np.float32)
    theirs = ms.ops.conv2d(ms.Tensor(x), ms.Tensor(w), stride=2, pad_mode="pad", padding=2)
    assert_close(scratch.conv2d(x, w, stride=2, padding=2), theirs.asnumpy(), "conv2d")


def test_sizes_and_receptive_fields():
    assert scratch.output_size(32, 5) == 28 and scratch.output_size(28, 2, 2) == 14
    assert scratch.output_size(28, 5, padding=2) == 28  # LeCun's padded 28x28 input
    assert scratch.output_size(32, 5, stride=2, padding=2) == 16
    assert [(n, f) for n, f, _ in scratch.receptive_fields()] == [
        ("conv1", 5), ("pool1", 6), ("conv2", 14), ("pool2", 16), ("fc1", 32)]


@pytest.mark.parametrize("variant", FORMS)
def test_init_params_has_the_networks_shapes(variant):
    want = {p.name: tuple(p.shape) for p in lenet5.LeNet5(variant=variant).trainable_params()}
    for scheme in ("xavier", "normal"):
        params = scratch.init_params(variant, scheme)
        assert {n: v.shape for n, v in params.items()} == want
    assert np.std(scratch.init_params(variant, "normal")["fc1.weight"]) == pytest.approx(
        0.01, rel=0.05)


def test_bad_arguments():
    with pytest.raises(ValueError, match="variant must be one of"):
        scratch.init_params("lenet1")
    with pytest.raises(ValueError, match="scheme must be"):
        scratch.init_params(scheme="he")
    with pytest.raises(ValueError, match="even height and width"):
        scratch.maxpool2x2(np.zeros((1, 1, 5, 4)))
    assert set(scratch.DENSE_RELU) == set(FORMS) and set(FORMS) < set(VARIANTS)


def test_numpy_only():
    """The reference imports NumPy and nothing else: what it computes, it computes itself."""
    with open(f"{ROOT}/src/lenet5/scratch.py", encoding="utf-8") as f:
        tree = ast.parse(f.read())
    imports = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for a in node.names}
    assert imports == {"numpy"} and not any(isinstance(node, ast.ImportFrom)
                                            for node in ast.walk(tree))
