import numpy as np
import pytest

import lenet5
from helpers import SAMPLE
from lenet5 import LeNet5, create_dataset, evaluate, train
from lenet5.errors import CheckpointError, DeviceError, RecipeError
from lenet5.recipes import RECIPES, Recipe
from lenet5.train import learning_rates


@pytest.fixture(scope="module")
def trained():
    """One epoch of the course recipe on the shipped sample (about 3 s)."""
    lenet5.setup_device("CPU", seed=7)
    net = LeNet5()
    result = train(net, create_dataset(SAMPLE, "train"), RECIPES["course"].with_overrides(epochs=1),
                   display=False)
    return net, result


@pytest.mark.slow
def test_one_epoch_really_learns(trained):
    net, result = trained
    assert len(result.step_losses) == 250 and len(result.epoch_losses) == 1
    first, last = np.mean(result.step_losses[:20]), np.mean(result.step_losses[-20:])
    assert first > 2.0 and last < 0.6 * first  # starts near ln(10) = 2.30, falls
    scores = evaluate(net, create_dataset(SAMPLE, "test"))
    assert scores["accuracy"] > 0.85  # chance is 0.10
    assert result.images == 8000 and result.images_per_second > 0


@pytest.mark.slow
def test_evaluation_matches_model_eval_batch_by_batch(trained):
    """lenet5.evaluate (chunks of up to 2048, the test set read once) against MindSpore's own
    Model.eval at the dataset's batch size: the same accuracy and mean loss per image."""
    from mindspore.train import Model
    from lenet5.train import loss_fn, metrics
    net, _ = trained
    for batch in (1, 32, 1000):
        data = create_dataset(SAMPLE, "test", batch_size=batch)
        reference = Model(net, loss_fn(net), metrics=metrics()).eval(data, dataset_sink_mode=False)
        net.set_train(True)  # as training leaves it (Model.eval does not give it back)
        first, second = evaluate(net, data), evaluate(net, data)
        assert first == second  # the second pass reads the kept arrays
        assert first["accuracy"] == reference["accuracy"]
        assert abs(first["loss"] - reference["loss"]) < 1e-6
        assert net.training  # lenet5.evaluate gives the network back in the mode it had


def test_only_a_deterministic_pipeline_is_read_once():
    from lenet5 import inference
    test = create_dataset(SAMPLE, "test", batch_size=500)
    images, labels = inference.dataset_arrays(test)
    assert images.shape == (2000, 1, 32, 32) and labels.shape == (2000,)
    assert inference.dataset_arrays(test)[0] is images  # kept on the dataset
    for changing in (create_dataset(SAMPLE, "test", shuffle=True),
                     create_dataset(SAMPLE, "test", augment=True),
                     create_dataset(SAMPLE, "train")):
        assert inference.dataset_arrays(changing)[0] is not inference.dataset_arrays(changing)[0]


@pytest.mark.parametrize("count, size", [(1, 1), (5, 8), (64, 64), (257, 272), (1000, 1008),
                                         (2048, 2048), (2049, 1040), (10000, 2000)])
def test_chunks_are_few_shapes_and_little_padding(count, size):
    from lenet5 import inference
    assert inference.chunk_size(count) == size


def test_forward_pads_the_last_chunk_and_keeps_every_row():
    from lenet5 import inference
    lenet5.setup_device("CPU", seed=3)
    net = LeNet5()
    images = np.random.default_rng(0).standard_normal((37, 1, 32, 32)).astype(np.float32)
    whole = inference.logits(net, images)
    parts = np.concatenate([inference.logits(net, images[i:i + 10], chunk=16)
                            for i in range(0, 37, 10)])
    assert whole.shape == parts.shape == (37, 10)
    assert np.allclose(whole, parts, atol=1e-5)


@pytest.mark.slow
def test_checkpoint_roundtrip_gives_same_predictions(trained, tmp_path):
    net, _ = trained
    path = tmp_path / "lenet5.ckpt"
    lenet5.save_checkpoint(net, path)
    assert [p.name for p in tmp_path.iterdir()] == ["lenet5.ckpt"]
    again = lenet5.load_checkpoint(path, LeNet5())
    images = next(create_dataset(SAMPLE, "test", batch_size=64).create_tuple_iterator(
        output_numpy=True))[0]
    assert np.allclose(lenet5.predict(net, images), lenet5.predict(again, images), atol=1e-6)


@pytest.mark.slow
def test_checkpoint_errors(trained, tmp_path):
    net, _ = trained
    with pytest.raises(CheckpointError, match="does not exist"):
        lenet5.load_checkpoint(tmp_path / "none.ckpt", LeNet5())
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(CheckpointError, match="is not a readable MindSpore checkpoint"):
        lenet5.load_checkpoint(bad, LeNet5())
    lenet5.save_checkpoint(net, tmp_path / "ten.ckpt")
    with pytest.raises(CheckpointError, match=r"fc3.bias has shape \(10,\), the network "
                                              r"expects \(36,\)"):
        lenet5.load_checkpoint(tmp_path / "ten.ckpt", LeNet5(num_classes=36))


@pytest.mark.slow
def test_same_seed_same_loss_curve():
    curves = []
    for _ in range(2):
        lenet5.setup_device("CPU", seed=3)
        ds = create_dataset(SAMPLE, "train", num_samples=640)
        curves.append(train(LeNet5(), ds, Recipe("two", epochs=2), display=False).step_losses)
    assert len(curves[0]) == 40 and curves[0] == curves[1]


def test_learning_rate_schedules():
    assert learning_rates(Recipe("flat", epochs=3, lr=0.01), 10) == 0.01
    rates = learning_rates(Recipe("cos", epochs=5, lr=0.1, schedule="cosine", warmup_epochs=1),
                           10)
    assert len(rates) == 50
    assert rates[0] == pytest.approx(0.01) and rates[9] == pytest.approx(0.1)
    assert max(rates) == pytest.approx(0.1) and rates[-1] < 0.001
    assert all(a >= b for a, b in zip(rates[10:], rates[11:]))


@pytest.mark.parametrize("change, message", [
    ({"epochs": 0}, "epochs must be at least 1, got 0"),
    ({"batch_size": 0}, "batch_size must be at least 1, got 0"),
    ({"lr": -0.1}, "lr must be positive, got -0.1"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
    ({"weight_decay": -1e-4}, "weight_decay must not be negative"),
    ({"schedule": "step"}, "schedule must be one of constant, cosine, got 'step'"),
    ({"warmup_epochs": 5}, r"warmup_epochs must be in \[0, epochs\], got 5"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of momentum, adam, got 'lbfgs'"),
])
def test_a_recipe_checks_its_values(change, message):
    """Every caller (main.py, notebooks, experiments) gets the same one-line error."""
    with pytest.raises(RecipeError, match=f"recipe 'course': {message}"):
        RECIPES["course"].with_overrides(**change)
    with pytest.raises(RecipeError, match="a recipe has no lrate"):
        RECIPES["course"].with_overrides(lrate=0.1)


def _affinities():
    import os
    from lenet5.platform.threads import _threads
    return {name: sorted(os.sched_getaffinity(tid)) for tid, name in _threads().items()
            if name.startswith(("ActorThread_", "KernelThread_"))}


def _train_and_look(layout, step=3, images=320):
    """Train on ``images`` with ``layout``; the affinities seen at ``step`` and the step losses."""
    import os
    import threading
    from mindspore.train import Callback
    seen = {}

    class Look(Callback):
        def on_train_step_end(self, run_context):
            if run_context.original_args().cur_step_num == step:
                seen.update(_affinities(), caller=sorted(
                    os.sched_getaffinity(threading.get_native_id())))

    lenet5.setup_device("CPU", seed=3, layout=layout)
    losses = train(LeNet5(), create_dataset(SAMPLE, "train", num_samples=images),
                   Recipe("one", epochs=1), display=False, callbacks=[Look()]).step_losses
    return seen, losses


needs_affinity = pytest.mark.skipif(
    not hasattr(__import__("os"), "sched_setaffinity") or lenet5.device.usable_cores() < 2,
    reason="needs Linux and 2+ cores")


@needs_affinity
def test_thread_layouts_place_mindspore_threads_and_give_the_cores_back(monkeypatch):
    import os
    from lenet5.platform import threads
    monkeypatch.setattr(threads, "_MEMORY", {"means": {}, "fastest": {}})  # a first probe
    # A quiet machine, whatever else CI runs beside: under load "auto" probes one-core layouts
    # only (tested without timing in test_threads.py), and this test is about placing threads.
    monkeypatch.setattr(threads.OtherLoad, "cores", lambda self: 0.0)
    cores = sorted(os.sched_getaffinity(0))
    split, losses = _train_and_look("split")
    assert split["caller"] == split["ActorThread_0"] == cores[:1]
    assert split["KernelThread_0"] == cores[1:]
    pack, _ = _train_and_look("pack")
    assert pack["caller"] == pack["ActorThread_0"] == pack["KernelThread_0"] == cores[:1]
    free, again = _train_and_look("free")
    assert free["caller"] == free["KernelThread_0"] == cores
    auto, _ = _train_and_look("auto")
    assert auto["caller"] == auto["ActorThread_0"] == cores  # the first probe: free
    assert again == losses  # where the threads run changes no number
    assert sorted(os.sched_getaffinity(0)) == cores  # and every thread gets its cores back
    assert set(map(tuple, _affinities().values())) == {tuple(cores)}


@needs_affinity
def test_auto_layout_probes_and_settles_on_one(monkeypatch):
    from lenet5.platform import threads
    chosen = []
    monkeypatch.setattr(threads.LayoutTuner, "restore", lambda self: (
        chosen.append(self.chooser), threads.ThreadPlacement.restore(self.placement)))
    _train_and_look("auto", images=32 * 80)  # a probe takes up to 5 x 11 steps on 2 cores
    chooser = chosen[0]
    # At least one probe finished (a later one may be under way if the machine got busier).
    assert chooser.probes >= 1 and chooser.fastest > 0
    assert chooser.current in chooser.candidates


def test_no_thread_moves_under_a_distributed_launcher_or_in_pynative(monkeypatch):
    from lenet5.platform import threads
    lenet5.setup_device("CPU")
    assert (threads.tuner_for("train 32") is not None) == (
        hasattr(__import__("os"), "sched_setaffinity") and lenet5.device.usable_cores() >= 2)
    monkeypatch.setenv("MS_ROLE", "MS_WORKER")
    assert threads.tuner_for("train 32") is None
    monkeypatch.delenv("MS_ROLE")
    lenet5.setup_device("CPU", layout="free")
    assert threads.tuner_for("train 32") is None
    lenet5.setup_device("CPU", mode="pynative")
    assert threads.tuner_for("train 32") is None
    lenet5.setup_device("CPU")


def test_unknown_layout():
    with pytest.raises(DeviceError, match="unknown thread layout 'spread'"):
        lenet5.setup_device("CPU", layout="spread")


def test_amp_o1_wraps_convolutions_and_dense_layers_then_puts_them_back():
    import lenet5
    from lenet5.train import amp_o1
    net = lenet5.LeNet5()
    names = [p.name for p in net.get_parameters()]
    originals = [net.conv1, net.conv2, net.fc1, net.fc2, net.fc3]
    with amp_o1(net):
        wrapped = [net.conv1, net.conv2, net.fc1, net.fc2, net.fc3]
        assert [w.inner for w in wrapped] == originals
        assert all(w.inner.get_flags()["fp16"] for w in wrapped)
        assert not net.relu.get_flags().get("fp16") and not net.pool.get_flags().get("fp16")
        assert [p.name for p in net.get_parameters()] == names  # checkpoints stay compatible
    assert [net.conv1, net.conv2, net.fc1, net.fc2, net.fc3] == originals
    assert not any(cell.get_flags().get("fp16") for cell in originals)


def test_predict_takes_any_callable_network():
    """predict and evaluate run a plain callable too (a stand-in network in a test or an
    exercise check), without switching a training mode it does not have."""
    import mindspore as ms

    def double_first_pixel(x):  # ten "logits": the first pixel times 0..9
        return ms.Tensor(x.asnumpy()[:, 0, 0, :1] * np.arange(10, dtype=np.float32))

    images = np.ones((3, 1, 32, 32), np.float32)
    assert lenet5.predict(double_first_pixel, images).argmax(axis=1).tolist() == [9, 9, 9]
