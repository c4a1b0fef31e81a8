"""Where MindSpore's CPU threads run while a network trains or evaluates, chosen by measuring.

In GRAPH mode on CPU the Python thread that calls the network runs the graph itself and hands
each parallel kernel (the convolutions) to MindSpore's pool, ``ActorThread_0`` and
``KernelThread_N``, spinning on ``sched_yield`` until they finish. Which cores those threads may
use decides the speed, and no fixed choice is right everywhere (docs/CPU_SPEED.md, "Sharing the
CPU"; ``python bench/busy_laptop.py``):

- on a quiet 2-core machine, the caller and the actor thread on one core and the kernel threads
  on the other (``split``) is fastest: unpinned, three busy threads fight over two cores;
- the moment another program keeps one core busy, that same layout collapses -- an epoch takes
  dozens of times longer, because a pinned thread cannot leave the busy core -- and so, less
  often, does ``free``; every thread on one core (``pack``) is fastest then, because the
  scheduler moves the other program to the core left free.

So :class:`LayoutTuner` measures instead of guessing: it tries each candidate layout for a few
steps, keeps the fastest, and tries again when the steps get slower or every few seconds; while
other programs use the CPU it tries only the one-core layouts (:class:`LayoutChooser` holds
that logic and nothing else, so it is tested without timing).
"""
import contextlib
import os
import statistics
import threading
import time
from dataclasses import dataclass

from mindspore.train import Callback

from . import distributed

LAYOUTS = ("auto", "split", "pack", "free")
ACTOR, KERNEL = "ActorThread_", "KernelThread_"
_asked = {"layout": None}  # set by lenet5.setup_device


def usable_cores():
    """CPU cores this process may run on (respects taskset/cgroup affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def use_layout(layout):
    """Record the layout ``setup_device`` was asked for: None where layouts do not apply
    (PyNative mode, GPU, Ascend)."""
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown thread layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    _asked["layout"] = layout


def asked_layout():
    """The layout asked of :func:`lenet5.setup_device` where it applies (GRAPH mode on CPU),
    else None."""
    return _asked["layout"]


@dataclass(frozen=True)
class Layout:
    """Cores for the calling thread and MindSpore's actor thread (``front``) and for its kernel
    threads (``kernels``). ``spread``: the threads may run on more than one core, which is
    fastest when those cores are free and can collapse when another program keeps one busy."""
    name: str
    front: frozenset
    kernels: frozenset

    @property
    def spread(self):
        return len(self.front | self.kernels) > 1


def candidate_layouts(cores):
    """The layouts worth trying on ``cores`` (sorted core ids), in the order a first probe
    measures them: ``free``, then the ``pack`` layouts, then the ``split`` ones.

    ``split c``: caller and actor on core c, kernels on the others; ``pack c``: everything on core
    c; ``free``: every thread on every core (the scheduler decides). Past 4 cores only the split
    on the first core and ``free`` are tried: one busy core matters less there, and probing every
    core would cost more than it saves. On a loaded machine only the ``pack`` layouts are
    probed (see :class:`LayoutChooser`); on a quiet one a split is measured last, once the others
    have given a baseline against which a collapsed one is dropped after one step.
    """
    cores = sorted(cores)
    everything = frozenset(cores)
    if len(cores) < 2:
        return [Layout("free", everything, everything)]
    per_core = cores if len(cores) <= 4 else cores[:1]
    splits = [Layout(f"split {c}", frozenset({c}), everything - {c}) for c in per_core]
    packs = [Layout(f"pack {c}", frozenset({c}), frozenset({c})) for c in per_core] \
        if len(cores) <= 4 else []
    return [Layout("free", everything, everything)] + packs + splits


def fixed_layout(name, cores):
    """The layout forced by ``setup_device(layout=name)``: split or pack on the first core, or
    free."""
    cores = sorted(cores)
    first, everything = frozenset(cores[:1]), frozenset(cores)
    return {"split": Layout(f"split {cores[0]}", first, everything - first),
            "pack": Layout(f"pack {cores[0]}", first, first),
            "free": Layout("free", everything, everything)}[name]


class LayoutChooser:
    """Picks the layout with the shortest steps; probes again when steps slow down.

    Fed one step duration at a time (:meth:`step`), it answers the layout to run next. A probe
    gives each candidate one step to settle and then ``probe_steps`` measured steps, and drops a
    candidate at once when any of its steps, the settling one included, takes more than
    ``give_up`` times the best mean so far (a collapsed layout costs dozens of ordinary steps:
    better not to sit through them). It then runs the fastest, and probes again when the mean of
    the last ``window`` steps grows past ``slower`` times what the probe measured (another
    program started), or after ``recheck_seconds`` of steps (one stopped). Candidates are tried
    fastest-known first, so a probe that finds the same answer costs little; while ``loaded()``
    says other programs use the CPU, only the layouts on one core are tried, where there are any.
    """

    def __init__(self, candidates, probe_steps=10, give_up=10.0, slower=2.0, window=10,
                 recheck_seconds=10.0, memory=None, kind="train", loaded=None):
        self.candidates = list(candidates)
        # give_up: a collapsed layout's steps take dozens of ordinary ones, a hiccup of the
        # machine (a timer, the garbage collector) a few: 10 tells them apart.
        self.probe_steps, self.give_up, self.slower = probe_steps, give_up, slower
        self.window, self.recheck_seconds = window, recheck_seconds
        # What earlier probes in this process measured: "means", {layout: mean step seconds}
        # of the latest probe of any kind, orders the next probe; "fastest", {kind: the shortest
        # mean step ever measured}, tells how much slower steps of that kind are now.
        self.memory = memory if memory is not None else {"means": {}, "fastest": {}}
        self.kind = kind
        # Whether other programs use a noticeable share of the CPU now: then only the layouts
        # on one core are tried, where there are any (a step of a collapsed split or free layout
        # costs dozens of ordinary ones, and moving threads around a busy core upsets the
        # following steps too).
        self.loaded, self.loaded_now = loaded or (lambda: False), False
        self.means = {}  # layout -> mean step seconds in the current or latest probe
        self.current = None
        self.probes = 0
        self._queue, self._samples, self._recent, self._since_probe = [], [], [], 0.0
        self._settling = False

    @property
    def probing(self):
        return bool(self._queue)

    @property
    def fastest(self):
        return self.memory["fastest"].get(self.kind)

    def start(self):
        """Begin the first probe; returns the first layout to apply."""
        return self._start_probe()

    def _start_probe(self):
        known = {**self.memory["means"], **self.means}
        self.loaded_now = self.loaded()
        allowed = [c for c in self.candidates if not (self.loaded_now and c.spread)]
        self._queue = sorted(allowed or self.candidates, key=lambda c: known.get(c, float("inf")))
        self.means, self._samples, self.probes = {}, [], self.probes + 1
        self.current = self._queue[0]
        return self.current

    def step(self, seconds):
        """Record one step of the current layout; return the layout to apply now (or None to keep
        the current one)."""
        return self._probe_step(seconds) if self._queue else self._run_step(seconds)

    def _probe_step(self, seconds):
        self._samples.append(seconds)
        measured = self._samples[1:]  # the first step after a change settles the threads
        best = min(self.means.values(), default=None)
        gave_up = best is not None and seconds > self.give_up * best
        if not gave_up and len(measured) < self.probe_steps:
            return None
        self.means[self.current] = statistics.fmean(measured or self._samples)
        self._queue.pop(0)
        self._samples = []
        if self._queue:
            self.current = self._queue[0]
            return self.current
        settle = self.current != min(self.means, key=self.means.get)
        self.current = min(self.means, key=self.means.get)
        self.memory["means"] = dict(self.means)
        self.memory["fastest"][self.kind] = min(filter(None, (self.fastest,
                                                              self.means[self.current])))
        self._recent, self._since_probe, self._settling = [], 0.0, settle
        return self.current

    def _run_step(self, seconds):
        if self._settling:  # the first step back on the chosen layout settles the threads
            self._settling = False
            return None
        self._recent = (self._recent + [seconds])[-self.window:]
        self._since_probe += seconds
        slowed = (len(self._recent) == self.window
                  and statistics.fmean(self._recent) > self.slower * self.means[self.current])
        if slowed or self._since_probe > self.recheck_seconds:
            return self._start_probe()
        return None


def _threads():
    """{thread id: name} of this process's threads (Linux)."""
    names = {}
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/comm") as f:
            names[int(tid)] = f.read().strip()
    return names


class ThreadPlacement:
    """Puts the calling thread and MindSpore's pool on a :class:`Layout`'s cores, and every
    thread back where it was (:meth:`restore`). Linux only."""

    def __init__(self):
        self._saved = {}  # thread id -> its affinity before the first apply()

    @staticmethod
    def pool_exists():
        return any(name.startswith(KERNEL) for name in _threads().values())

    def apply(self, layout):
        """Move the threads; returns {thread name: sorted cores} of those moved."""
        where = {threading.get_native_id(): ("caller", layout.front)}
        for tid, name in _threads().items():
            if name.startswith(ACTOR):
                where[tid] = (name, layout.front)
            elif name.startswith(KERNEL):
                where[tid] = (name, layout.kernels)
        moved = {}
        for tid, (name, cores) in where.items():
            try:
                self._saved.setdefault(tid, os.sched_getaffinity(tid))
                os.sched_setaffinity(tid, cores)
                moved[name] = sorted(cores)
            except OSError:  # the thread ended, or a cgroup refuses the core
                self._saved.pop(tid, None)
        return moved

    def restore(self):
        """Give every moved thread its cores back (idempotent)."""
        for tid, cores in self._saved.items():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, cores)
        self._saved = {}


def place(name):
    """Put this thread and MindSpore's pool on the fixed layout ``name`` ("split", "pack" or
    "free") now, for a step loop of one's own (the benches); returns the
    :class:`ThreadPlacement` whose ``restore()`` undoes it."""
    placement = ThreadPlacement()
    if name != "free":
        placement.apply(fixed_layout(name, os.sched_getaffinity(0)))
    return placement


class OtherLoad:
    """How many cores other programs keep busy, from /proc/stat minus this process's own CPU
    time (all its threads). On a virtual machine, time the host steals from it counts as other
    programs too: it slows training the same way. Linux only; elsewhere :meth:`cores` is None."""

    def __init__(self):
        self._last, self._cores = self._sample(), None

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
            with open("/proc/self/stat") as f:
                own = f.read().rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            return None
        idle = fields[3] + fields[4]  # idle + iowait
        busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
        mine = int(own[11]) + int(own[12])  # utime + stime, in clock ticks like /proc/stat
        return time.monotonic(), busy, mine

    def cores(self):
        """Cores' worth of CPU used by other processes since the last call (or creation)."""
        now = self._sample()
        if now is None or self._last is None:
            return None
        (t0, busy0, mine0), (t1, busy1, mine1) = self._last, now
        if t1 - t0 < 0.2:  # a few clock ticks: too coarse to tell
            return self._cores
        self._last = now
        ticks = (t1 - t0) * os.sysconf("SC_CLK_TCK")
        self._cores = max(0.0, (busy1 - busy0 - (mine1 - mine0)) / ticks)
        return self._cores


def measure_other_load(seconds=0.5):
    """Cores' worth of CPU other programs used over the next ``seconds`` (None off Linux)."""
    load = OtherLoad()
    time.sleep(seconds)
    return load.cores()


# What this process's probes measured (LayoutChooser), and the layout the latest tuner ran on
# when it stopped, with when ("chosen": see recent_choice).
_MEMORY = {"means": {}, "fastest": {}, "chosen": None}


class LayoutTuner(Callback):
    """Keeps MindSpore's threads on the fastest layout while a network trains or evaluates.

    ``layout``: "auto" (measure and adapt, :class:`LayoutChooser`), or "split", "pack", "free" to
    force one (for experiments: ``setup_device(layout=...)``, ``main.py --thread_layout``).
    ``kind``: what is run (say, "train 32": training at batch 32), so that its step times are
    compared with those of the same kind; every run starts probing from the layout the last
    probe found fastest. ``notify``: called once with a
    sentence when other programs take a noticeable share of the CPU.
    The pool's threads exist only after the first step, so nothing moves before it; every thread
    gets its cores back at the end (:meth:`restore`), also when training raises.
    """
    LOADED_CORES = 0.5  # other programs using half a core, and at least a quarter of the cores

    def __init__(self, layout="auto", kind="train", notify=None, cores=None, probe_steps=10):
        super().__init__()
        self.cores = sorted(cores if cores is not None else os.sched_getaffinity(0))
        self.layout, self.notify = layout, notify
        self.chooser = None
        if layout == "auto":
            self.chooser = LayoutChooser(candidate_layouts(self.cores), probe_steps=probe_steps,
                                         memory=_MEMORY, kind=kind, loaded=self._loaded)
        self.placement, self.load, self.others = ThreadPlacement(), OtherLoad(), None
        self.applied, self.notified = None, False
        self._last, self._waited = None, 0

    def _place(self, layout):
        if layout is not None and layout != self.applied:
            self.placement.apply(layout)
            self.applied = layout

    def _step(self):
        now = time.perf_counter()
        seconds, self._last = (None if self._last is None else now - self._last), now
        if self.applied is None:  # the first step has started MindSpore's pool
            self._waited += 1
            if self._waited > 3 or not self.placement.pool_exists():
                return  # not MindSpore's pool as we know it: leave the scheduler alone
            self._place(self.chooser.start() if self.chooser else
                        fixed_layout(self.layout, self.cores))
        elif self.chooser is not None and seconds is not None:
            probing = self.chooser.probing
            self._place(self.chooser.step(seconds))
            if probing and not self.chooser.probing:
                self._maybe_notify()

    def _loaded(self):
        """Whether other programs used a noticeable share of the CPU since the last probe."""
        self.others = self.load.cores()
        return self.others is not None and self.others >= max(self.LOADED_CORES,
                                                              len(self.cores) / 4)

    def _maybe_notify(self):
        if (self.notified or self.notify is None or self.chooser.probing
                or not self.chooser.loaded_now):
            return
        self.notified = True
        slowdown = self.chooser.means[self.chooser.current] / self.chooser.fastest
        how = (f"this runs about {slowdown:.1f}x slower than it did with the CPU to itself"
               if slowdown >= 1.2 else "this runs slower than on a quiet machine")
        self.notify(f"note: other programs are using about {self.others:.1f} of the "
                    f"{len(self.cores)} cores: {how} (lenet5 keeps its threads where they run "
                    "fastest)")

    def on_train_step_end(self, run_context):
        self._step()

    def on_eval_step_end(self, run_context):
        self._step()

    def restore(self):
        if self.chooser is not None and self.applied is not None and not self.chooser.probing:
            _MEMORY["chosen"] = (self.applied, time.monotonic())
        self.placement.restore()
        self.applied = None


def evaluation_layout():
    """The layout an evaluation runs on (:mod:`lenet5.inference`), or None to leave MindSpore's
    threads where they are: the one ``setup_device(layout=...)`` forces, else the
    :func:`recent_choice`. None where layouts do not apply; also None with nothing chosen
    lately -- then the threads stay where the scheduler, or a training that is running (lesson
    5's per-epoch evaluations), put them."""
    if not applies():
        return None
    if asked_layout() in ("split", "pack"):
        return fixed_layout(asked_layout(), os.sched_getaffinity(0))
    return recent_choice()


def recent_choice(within=60.0):
    """The layout the latest tuner of this process settled on, if it stopped less than
    ``within`` seconds ago; else None.

    An evaluation of the test set is a handful of chunks of work (:mod:`lenet5.inference`): too
    few to probe the layouts for itself (a probe spends four steps on each, one-core layouts
    included), so it runs on what the training or evaluation just before it found."""
    chosen = _MEMORY.get("chosen")
    if chosen is not None and time.monotonic() - chosen[1] < within:
        return chosen[0]
    return None


def applies():
    """Whether moving MindSpore's threads can help here: Linux, 2+ usable cores, GRAPH mode on
    CPU, no distributed launcher (it binds its workers itself), and ``setup_device``'s layout not
    "free"."""
    return (asked_layout() not in (None, "free") and hasattr(os, "sched_setaffinity")
            and usable_cores() >= 2 and not distributed.launched())


def tuner_for(kind, notify=None, probe_steps=10):
    """A :class:`LayoutTuner` for ``setup_device``'s layout where it :func:`applies`, else None.
    ``kind`` names what is run (e.g. "train 32": training at batch 32)."""
    if not applies():
        return None
    return LayoutTuner(asked_layout(), kind, notify, probe_steps=probe_steps)
