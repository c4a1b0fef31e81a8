import numpy as np
import pytest

import lenet5
from lenet5 import LeNet5, count_parameters


@pytest.fixture(scope="module", autouse=True)
def cpu():
    lenet5.setup_device("CPU", seed=0)


@pytest.mark.parametrize("variant, parameters", [("classic", 61706), ("course", 61684)])
def test_parameter_count_and_output_shape(variant, parameters):
    import mindspore as ms
    net = LeNet5(variant=variant)
    assert count_parameters(net) == parameters
    out = net(ms.Tensor(np.zeros((4, 1, 32, 32), np.float32)))
    assert out.shape == (4, 10)


def test_layer_shapes():
    net = LeNet5()
    shapes = {p.name: tuple(p.shape) for p in net.trainable_params()}
    assert shapes == {"conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,),
                      "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
                      "fc1.weight": (120, 400), "fc1.bias": (120,),
                      "fc2.weight": (84, 120), "fc2.bias": (84,),
                      "fc3.weight": (10, 84), "fc3.bias": (10,)}


def test_num_classes_and_channels():
    import mindspore as ms
    net = LeNet5(num_classes=36, num_channel=3)
    assert net(ms.Tensor(np.zeros((2, 3, 32, 32), np.float32))).shape == (2, 36)


def test_course_form_is_the_original_course_network():
    """The original course's layers: nn.Conv2d(1, 6, 5, stride=1, pad_mode='valid') and
    nn.Conv2d(6, 16, 5, ...) with MindSpore's defaults (no bias), default Dense layers, and no
    activation between the Dense layers."""
    import mindspore.nn as nn
    course = LeNet5(variant="course")
    original = [nn.Conv2d(1, 6, 5, stride=1, pad_mode="valid"),
                nn.Conv2d(6, 16, 5, stride=1, pad_mode="valid"),
                nn.Dense(16 * 5 * 5, 120), nn.Dense(120, 84), nn.Dense(84, 10)]
    ours = [course.conv1, course.conv2, course.fc1, course.fc2, course.fc3]
    for a, b in zip(ours, original):
        assert [tuple(p.shape) for p in a.trainable_params()] == \
            [tuple(p.shape) for p in b.trainable_params()]
    assert course.conv1.bias is None and course.conv2.bias is None
    assert sum(count_parameters(cell) for cell in original) == count_parameters(course) == 61684


def test_course_form_has_no_dense_activation():
    """Same weights, different heads: the course form is linear after the convolutions."""
    import mindspore as ms
    classic, course = LeNet5(), LeNet5(variant="course")
    weights = {p.name: p for p in classic.get_parameters() if not p.name.startswith("conv")}
    ms.load_param_into_net(course, weights)
    x = ms.Tensor(np.random.default_rng(0).normal(size=(8, 1, 32, 32)).astype(np.float32))
    features = course.features(x)
    classic_head = classic.fc3(classic.relu(classic.fc2(classic.relu(classic.fc1(features)))))
    assert not np.allclose(classic_head.asnumpy(), course(x).asnumpy())
    # linear head: f(a) + f(b) - f(0) == f(a + b) on the features
    head = lambda z: course.fc3(course.fc2(course.fc1(z))).asnumpy()  # noqa: E731
    a, b = course.features(x), course.features(-x)
    zero = ms.ops.zeros_like(a)
    assert np.allclose(head(a) + head(b) - head(zero), head(a + b), atol=1e-4)


def test_unknown_variant():
    with pytest.raises(ValueError, match="variant must be one of"):
        LeNet5(variant="lenet1")


def _pool_and_grad(pool, x, w, training):
    """pool(ReLU(x)) and the gradient of sum(w * pool(ReLU(x))) with respect to x."""
    import mindspore as ms

    class Probe(ms.nn.Cell):
        def __init__(self):
            super().__init__()
            self.pool = pool

        def construct(self, x, w):
            return (self.pool(ms.ops.relu(x)) * w).sum()

    probe = Probe()
    probe.set_train(training)
    return pool(ms.ops.relu(x)).asnumpy(), ms.jit(ms.grad(probe))(x, w).asnumpy()


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 6, 28, 28), (4, 16, 10, 10), (2, 3, 7, 9)])
def test_maxpool_matches_mindspore_maxpool(training, shape):
    """LeNet5's MaxPool2d takes a faster CPU path in training: same values, same gradients."""
    import mindspore as ms
    from lenet5.model import MaxPool2d
    rng = np.random.default_rng(sum(shape))
    x = ms.Tensor(rng.normal(size=shape).astype(np.float32))
    out_shape = (*shape[:2], shape[2] // 2, shape[3] // 2)
    w = ms.Tensor(rng.normal(size=out_shape).astype(np.float32))
    ours, reference = MaxPool2d(2, 2), ms.nn.MaxPool2d(kernel_size=2, stride=2)
    ours.set_train(training)
    assert isinstance(ours, ms.nn.MaxPool2d) and LeNet5().pool.__class__ is MaxPool2d
    got, want = _pool_and_grad(ours, x, w, training), _pool_and_grad(reference, x, w, training)
    assert got[0].shape == out_shape
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("variant", ["classic", "course"])
def test_pool_before_relu_gives_the_same_outputs_bit_for_bit(variant):
    """What evaluation runs for a LeNet5 (max-pool, then ReLU) against the network itself."""
    import mindspore as ms
    from lenet5.model import PoolBeforeReLU, inference_cell
    lenet5.setup_device("CPU", seed=5)
    net = LeNet5(variant=variant)
    net.set_train(False)
    cell = inference_cell(net)
    assert isinstance(cell, PoolBeforeReLU) and inference_cell(net) is cell  # made once
    cell.set_train(False)
    for seed in range(3):
        x = ms.Tensor(np.random.default_rng(seed).standard_normal((64, 1, 32, 32))
                      .astype(np.float32) * (seed + 1))
        assert np.array_equal(cell(x).asnumpy(), net(x).asnumpy())
    # not a sub-cell: the network's parameters and checkpoints are unchanged
    assert [n for n, _ in net.parameters_and_names()] == [
        n for n, _ in LeNet5(variant=variant).parameters_and_names()]
    assert [n for n, _ in net.cells_and_names()] == [
        n for n, _ in LeNet5(variant=variant).cells_and_names()]


def test_a_changed_lenet5_is_evaluated_as_it_is():
    import mindspore.nn as nn
    from lenet5.model import inference_cell

    class Mine(LeNet5):
        pass

    mine = Mine()
    assert inference_cell(mine) is mine
    swapped = LeNet5()
    swapped.relu = nn.Sigmoid()
    assert inference_cell(swapped) is swapped
    assert inference_cell(LeNet5(variant="lenet1998")).__class__.__name__ == "LeNet1998"
