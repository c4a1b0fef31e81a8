"""The thread-layout decisions of lenet5.platform.threads, fed made-up step times (no timing here)."""
import pytest

from lenet5.platform import threads
from lenet5.platform.threads import Layout, LayoutChooser, candidate_layouts, fixed_layout

MS = 0.001


def names(layouts):
    return [layout.name for layout in layouts]


def test_candidates_on_two_cores_start_with_the_safe_ones():
    layouts = candidate_layouts([0, 1])
    assert names(layouts) == ["free", "pack 0", "pack 1", "split 0", "split 1"]
    split = layouts[3]
    assert split.front == {0} and split.kernels == {1} and split.spread
    assert layouts[0].spread and not layouts[1].spread  # free may use both cores, pack one


def test_candidates_on_one_and_on_many_cores():
    assert names(candidate_layouts([3])) == ["free"]
    assert names(candidate_layouts(range(8))) == ["free", "split 0"]
    assert candidate_layouts(range(8))[1].kernels == set(range(1, 8))


def test_fixed_layouts_use_the_first_usable_core():
    assert fixed_layout("split", [2, 5]) == Layout("split 2", frozenset({2}), frozenset({5}))
    assert fixed_layout("pack", [2, 5]) == Layout("pack 2", frozenset({2}), frozenset({2}))
    assert fixed_layout("free", [2, 5]).front == {2, 5}


def feed(chooser, times_by_layout, steps):
    """Run ``steps`` steps whose duration depends on the current layout; return the layouts run."""
    ran = []
    current = chooser.start()
    for _ in range(steps):
        ran.append(current.name)
        new = chooser.step(times_by_layout[current.name])
        current = new or current
    return ran


QUIET = {"free": 4.3 * MS, "pack 0": 4.6 * MS, "pack 1": 4.7 * MS, "split 0": 3.2 * MS,
         "split 1": 3.3 * MS}  # as measured on the 2-core VM, quiet
ONE_BUSY = {"free": 30 * MS, "pack 0": 5 * MS, "pack 1": 12 * MS, "split 0": 150 * MS,
            "split 1": 160 * MS}  # one core kept busy by another program


def test_quiet_machine_settles_on_the_split():
    chooser = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4)
    ran = feed(chooser, QUIET, 60)
    assert chooser.current.name == "split 0" and not chooser.probing
    assert ran[-10:] == ["split 0"] * 10
    assert chooser.fastest == pytest.approx(3.2 * MS)


def test_a_collapsed_layout_is_dropped_after_one_step():
    chooser = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4)
    ran = feed(chooser, ONE_BUSY, 40)
    assert ran.count("split 0") == 1 and ran.count("split 1") == 1
    assert chooser.current.name == "pack 0"
    assert ran[-10:] == ["pack 0"] * 10


def test_under_load_only_the_one_core_layouts_are_tried():
    chooser = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4, loaded=lambda: True)
    ran = feed(chooser, ONE_BUSY, 40)
    assert set(ran) == {"pack 0", "pack 1"}
    assert chooser.current.name == "pack 0"


def test_under_load_with_many_cores_every_candidate_stays():
    chooser = LayoutChooser(candidate_layouts(range(8)), probe_steps=4, loaded=lambda: True)
    assert names(chooser._queue if chooser.start() else []) == ["free", "split 0"]


def test_slower_steps_start_a_new_probe_that_follows_the_load():
    chooser = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4, window=5)
    feed(chooser, QUIET, 40)
    assert chooser.current.name == "split 0" and chooser.probes == 1
    # Another program starts: the next steps of the split are slow, the probe moves away.
    for _ in range(5):
        chooser.step(ONE_BUSY[chooser.current.name])
    assert chooser.probing and chooser.probes == 2
    assert chooser.current.name == "split 0"  # the fastest known is measured first
    for _ in range(30):
        chooser.step(ONE_BUSY[chooser.current.name])
    assert chooser.current.name == "pack 0" and not chooser.probing


def test_a_recheck_finds_the_machine_quiet_again():
    chooser = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4, recheck_seconds=1.0)
    feed(chooser, ONE_BUSY, 40)
    assert chooser.current.name == "pack 0"
    probes = chooser.probes
    for _ in range(400):  # the other program has ended; pack keeps its 4.6 ms steps
        chooser.step(QUIET[chooser.current.name])
    assert chooser.probes > probes
    assert chooser.current.name == "split 0"


def test_the_settling_step_does_not_count():
    chooser = LayoutChooser([Layout("a", frozenset({0}), frozenset({0})),
                             Layout("b", frozenset({1}), frozenset({1}))], probe_steps=3,
                            window=3)
    chooser.start()
    for seconds in (0.5, 0.010, 0.010, 0.010):  # a: a slow first step, then 10 ms
        chooser.step(seconds)
    assert chooser.means[chooser.candidates[0]] == pytest.approx(0.010)
    for seconds in (0.025, 0.012, 0.012, 0.012):  # b: under 3x a, so measured in full
        chooser.step(seconds)
    assert chooser.current.name == "a" and not chooser.probing
    chooser.step(0.3)  # back on a: its settling step starts no new probe
    for _ in range(3):
        chooser.step(0.010)
    assert chooser.probes == 1


def test_probes_start_from_what_earlier_runs_found():
    memory = {"means": {}, "fastest": {}}
    first = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4, memory=memory, kind="train")
    feed(first, ONE_BUSY, 40)
    second = LayoutChooser(candidate_layouts([0, 1]), probe_steps=4, memory=memory, kind="eval")
    assert second.start().name == "pack 0"
    assert memory["fastest"] == {"train": pytest.approx(5 * MS)}


def test_the_user_is_told_once_when_other_programs_take_the_cpu(monkeypatch):
    from lenet5.platform import threads
    memory = {"means": {}, "fastest": {"train 32": 3.2 * MS}}  # a quiet run measured before
    monkeypatch.setattr(threads, "_MEMORY", memory)
    said = []
    tuner = threads.LayoutTuner("auto", "train 32", notify=said.append, cores=[0, 1])
    monkeypatch.setattr(tuner.load, "cores", lambda: 1.0)  # one core's worth of other programs
    current = tuner.chooser.start()
    while True:
        new = tuner.chooser.step(ONE_BUSY[current.name])
        current = new or current
        if not tuner.chooser.probing:
            break
        tuner._maybe_notify()
    assert said == []  # not while probing
    tuner._maybe_notify()
    tuner._maybe_notify()
    assert said == ["note: other programs are using about 1.0 of the 2 cores: this runs about "
                    "1.6x slower than it did with the CPU to itself (lenet5 keeps its threads "
                    "where they run fastest)"]


def test_no_word_on_a_quiet_machine(monkeypatch):
    from lenet5.platform import threads
    monkeypatch.setattr(threads, "_MEMORY", {"means": {}, "fastest": {}})
    said = []
    tuner = threads.LayoutTuner("auto", "train 32", notify=said.append, cores=[0, 1])
    monkeypatch.setattr(tuner.load, "cores", lambda: 0.1)
    feed(tuner.chooser, QUIET, 60)
    tuner._maybe_notify()
    assert said == [] and tuner.chooser.current.name == "split 0"


def test_the_note_goes_above_the_progress_display(capsys):
    from lenet5.progress import TrainingMonitor
    TrainingMonitor(32, 10, 1, display="log").note("note: busy")
    TrainingMonitor(32, 10, 1, display=False).note("note: hidden")
    assert capsys.readouterr().out == "note: busy\n"


def test_other_load_is_measured_in_cores():
    from lenet5.platform.threads import measure_other_load
    import os
    others = measure_other_load(0.3)
    if not os.path.exists("/proc/stat"):
        assert others is None
    else:
        assert 0 <= others <= os.cpu_count()


def test_a_tuner_leaves_its_choice_for_an_evaluation_soon_after(monkeypatch):
    """An evaluation runs on the layout the latest tuner settled on, when it stopped less than
    a minute ago (too few steps to probe for itself)."""
    monkeypatch.setattr(threads, "_MEMORY", {"means": {}, "fastest": {}, "chosen": None})
    assert threads.recent_choice() is None
    split = threads.candidate_layouts([0, 1])[-1]
    tuner = threads.LayoutTuner("auto", "train 32", cores=[0, 1])
    tuner.chooser._queue = []  # settled
    tuner.applied = split
    tuner.restore()
    assert threads.recent_choice() == split
    assert threads.recent_choice(within=0) is None
    probing = threads.LayoutTuner("auto", "train 32", cores=[0, 1])
    probing.chooser.start()
    probing.applied = threads.candidate_layouts([0, 1])[0]
    probing.restore()  # stopped while still probing: nothing chosen, the earlier choice stays
    assert threads.recent_choice() == split


def test_an_evaluation_keeps_a_forced_layout(monkeypatch):
    monkeypatch.setattr(threads, "_MEMORY", {"means": {}, "fastest": {}, "chosen": None})
    monkeypatch.setattr(threads, "applies", lambda: True)
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(threads, "asked_layout", lambda: "split")
    assert threads.evaluation_layout().name == "split 0"
    monkeypatch.setattr(threads, "asked_layout", lambda: "auto")
    assert threads.evaluation_layout() is None  # nothing chosen lately: left where they are
    monkeypatch.setattr(threads, "applies", lambda: False)
    assert threads.evaluation_layout() is None
