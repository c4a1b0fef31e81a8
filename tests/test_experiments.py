import pytest

import lenet5
from helpers import SAMPLE
from lenet5 import RECIPES
from lenet5.analysis.baselines import baseline
from lenet5.analysis.experiments import PARTS, ablation, format_trials, run_trial


def test_ablation_adds_one_part_at_a_time_and_ends_at_the_goal():
    steps = ablation(epochs=4)
    assert steps[0] == ("course", RECIPES["course"].with_overrides(epochs=4))
    assert all(r.epochs == 4 for _, r in steps)
    goal = RECIPES["accurate"].with_overrides(epochs=4, name=steps[-1][1].name)
    assert steps[-1][1] == goal
    known = {label for label, _ in PARTS} | {"other settings"}
    for (_, before), (label, after) in zip(steps, steps[1:]):
        changed = {k for k, v in after.as_dict().items() if k != "name" and v != getattr(before, k)}
        assert label.removeprefix("+ ").removeprefix("batch size & ") in known and changed
        assert ("batch_size" in changed) == label.startswith("+ batch size & ")


def test_ablation_of_a_recipe_with_itself_is_one_step():
    assert [label for label, _ in ablation(RECIPES["course"], RECIPES["course"])] == ["course"]


def test_ablation_catches_fields_it_has_no_part_for():
    goal = RECIPES["course"].with_overrides(momentum=0.5, name="goal")
    steps = ablation(RECIPES["course"], goal, epochs=1)
    assert steps[-1][1].momentum == 0.5


@pytest.mark.slow
def test_run_trial_and_table(capsys):
    lenet5.setup_device("CPU", seed=0)
    recipe = RECIPES["course"].with_overrides(epochs=2, lr=0.05)
    trials = [run_trial("lenet5", SAMPLE, recipe, num_samples=1280, each_epoch=True),
              run_trial("mlp", SAMPLE, recipe, make_net=lambda: baseline("mlp-mxnet"),
                        num_samples=1280, resize=(28, 28)),
              run_trial("adam", SAMPLE, recipe.with_overrides(lr=0.001, optimizer="adam"),
                        num_samples=1280)]
    lenet, mlp, adam = trials
    assert len(lenet.step_losses) == 80 and lenet.images_seen[-1] == 2560
    assert len(lenet.epoch_accuracy) == 2 and lenet.accuracy == lenet.epoch_accuracy[-1]
    assert lenet.parameters == 61706 and mlp.parameters == 109386
    assert all(t.accuracy > 0.5 and t.seconds > 0 for t in trials)  # chance is 0.10
    # one line per trial, filled in as it trains: what trains, each epoch's end, the accuracy
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"training lenet5 (2 epochs x 40 steps): epoch 1, 2; "
                        f"test accuracy {lenet.accuracy:.2%}")
    assert [line.split(" (")[0] for line in lines] == ["training lenet5", "training mlp",
                                                       "training adam"]
    # same seed, same settings -> the same run
    again = run_trial("again", SAMPLE, recipe, num_samples=1280, quiet=True)
    assert capsys.readouterr().out == ""
    assert again.step_losses == lenet.step_losses
    table = [[cell.strip() for cell in line.strip("|").split("|")]
             for line in format_trials(trials, baseline="lenet5").splitlines()]
    assert table[0] == ["setting", "parameters", "accuracy", "train s", "change"]
    assert table[2][:2] == ["lenet5", "61,706"] and table[2][-1] == "+0.00"


@pytest.mark.slow
def test_first_epochs_of_a_longer_trial_is_the_shorter_trial():
    lenet5.setup_device("CPU", seed=0)
    recipe = RECIPES["course"].with_overrides(epochs=2, lr=0.05)
    longer = run_trial("two", SAMPLE, recipe, num_samples=1280, each_epoch=True, quiet=True)
    one = run_trial("one", SAMPLE, recipe.with_overrides(epochs=1), num_samples=1280, quiet=True)
    first = longer.first_epochs(1, "one")
    assert first.step_losses == one.step_losses and first.accuracy == one.accuracy
    assert first.recipe == one.recipe and first.name == "one" and first.parameters == one.parameters
    assert 0 < first.seconds < longer.seconds and first.images_seen == one.images_seen
    assert lenet5.evaluate(first.net, lenet5.create_dataset(SAMPLE, "test", 256))["accuracy"] \
        == one.accuracy
    with pytest.raises(ValueError, match="each_epoch"):
        one.first_epochs(1)
    cosine = recipe.with_overrides(schedule="cosine", epochs=1)
    with pytest.raises(ValueError, match="cosine"):
        run_trial("c", SAMPLE, cosine, num_samples=320, each_epoch=True, quiet=True).first_epochs(1)
