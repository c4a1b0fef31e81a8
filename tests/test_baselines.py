import numpy as np
import pytest

import lenet5
from lenet5 import count_parameters
from lenet5.analysis.baselines import BASELINES, MLP, baseline


@pytest.fixture(scope="module", autouse=True)
def cpu():
    lenet5.setup_device("CPU", seed=0)


@pytest.mark.parametrize("name,params", [("mlp-mxnet", 109386), ("mlp-int8", 397510)])
def test_parameters_and_output(name, params):
    import mindspore as ms
    net = baseline(name)
    assert net.sizes == BASELINES[name]
    assert count_parameters(net) == params
    assert net(ms.Tensor(np.zeros((3, 1, 28, 28), np.float32))).shape == (3, 10)


def test_no_activation_after_the_last_layer():
    kinds = [type(c).__name__ for c in MLP((784, 500, 10)).layers.cell_list]
    assert kinds == ["Dense", "ReLU", "Dense"]


def test_bad_names_and_sizes():
    with pytest.raises(ValueError, match="unknown baseline"):
        baseline("resnet")
    with pytest.raises(ValueError, match="needs an input and an output"):
        MLP((784,))
