import time

import pytest
from mindspore.train import Callback

import lenet5
from helpers import SAMPLE
from lenet5 import LeNet5, create_dataset, train
from lenet5.recipes import RECIPES


class SlowEpochEnd(Callback):
    """Work at the end of every epoch, as a checkpoint or an evaluation does."""

    def on_train_epoch_end(self, run_context):
        time.sleep(1.0)


@pytest.mark.slow
def test_an_epochs_time_leaves_out_the_callbacks_that_end_the_epoch_before():
    lenet5.setup_device("CPU", seed=0)
    data = create_dataset(SAMPLE, "train", batch_size=32, num_samples=320)
    result = train(LeNet5(), data, RECIPES["course"].with_overrides(epochs=2), display=False,
                   callbacks=[SlowEpochEnd()])
    assert len(result.epoch_seconds) == 2 and result.seconds > 2.0  # both sleeps in the total
    assert result.epoch_seconds[1] < 1.0  # ten steps; not the first epoch's sleep
