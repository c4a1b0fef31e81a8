"""Where the time of a MindSpore training epoch goes, piece by piece (course recipe, batch 32).

Measures, in one process, for the same number of steps:

1. pipeline   the input pipeline alone (``create_dataset``: decode, resize, rescale, batch);
2. step       the compiled training step alone (``TrainOneStepCell`` on one fixed batch), called
              from Python, with and without reading the loss back every step (the progress
              monitor reads it);
3. train      ``lenet5.train`` end to end, as ``main.py`` calls it, without and with the
              dataset sink (``sink=True``).

Wall and CPU seconds per 1,000 steps are printed for each, so a busy machine (where wall time
is inflated) still shows which part costs CPU. ``--json FILE`` also writes them there (keys:
pipeline, step_read, step_unread, train, train_sink).

    python bench/profile_epoch.py                       # 600 steps of Debian's Fashion-MNIST
    taskset -c 0 python bench/profile_epoch.py --steps 1000
    python bench/profile_epoch.py --maxpool mindspore   # the same with plain nn.MaxPool2d
    python bench/profile_epoch.py --layout free         # MindSpore's threads left unpinned
    python bench/profile_epoch.py --json docs/results/profile_epoch-split.json
"""
import argparse
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import lenet5  # noqa: E402
from lenet5.atomic import write_json  # noqa: E402
from lenet5.recipes import RECIPES  # noqa: E402

RECIPE = RECIPES["course"]


class Clock:
    """Wall and process-CPU seconds of a block, scaled to 1,000 steps."""

    def __init__(self, key, name, steps, results):
        self.key, self.name, self.steps, self.results = key, name, steps, results

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            scale = 1000 / self.steps
            wall = (time.perf_counter() - self.wall) * scale
            cpu = (time.process_time() - self.cpu) * scale
            self.results[self.key] = {"wall_s_per_1000_steps": round(wall, 2),
                                       "cpu_s_per_1000_steps": round(cpu, 2)}
            print(f"{self.name:34s} wall {wall:6.2f} s   cpu {cpu:6.2f} s   per 1,000 steps",
                  flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data_url", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--maxpool", choices=("lenet5", "mindspore", "pad"), default="lenet5",
                   help="LeNet5's 2x2 max-pool: lenet5.model.MaxPool2d (trains with "
                        "AdaptiveMaxPool2D on CPU), plain nn.MaxPool2d (MaxPool), or nn.MaxPool2d "
                        "with pad_mode='pad' and padding 0 (MaxPool3DWithArgmax); all the same "
                        "function")
    p.add_argument("--layout", default="split", choices=("auto", "split", "pack", "free"),
                   help="where MindSpore's threads run (lenet5.platform.threads): the step "
                        "loops use it (auto: split, what lenet5.train picks on a quiet 2-core "
                        "machine), "
                        "lenet5.train gets it through setup_device")
    p.add_argument("--json", metavar="FILE", help="also write the results to this JSON file")
    args = p.parse_args()

    import mindspore as ms
    import mindspore.nn as nn
    from lenet5.train import loss_fn

    started, load = datetime.datetime.now(datetime.timezone.utc), os.getloadavg()[0]
    lenet5.setup_device("CPU", seed=1, layout=args.layout)
    batch, steps, results = RECIPE.batch_size, args.steps, {}

    def network():
        net = lenet5.LeNet5()
        if args.maxpool != "lenet5":
            pad_mode = "pad" if args.maxpool == "pad" else "valid"
            net.pool = nn.MaxPool2d(kernel_size=2, stride=2, pad_mode=pad_mode)
        return net

    def dataset():
        return lenet5.create_dataset(args.data_url, split="train", batch_size=batch,
                                     num_samples=steps * batch)

    # 1. the input pipeline alone
    data = dataset()
    iterator = data.create_tuple_iterator(num_epochs=2)
    for _ in iterator:  # first pass: starts the pipeline's threads
        pass
    with Clock("pipeline", "pipeline (MindSpore tensors)", steps, results):
        for _ in iterator:
            pass

    # 2. the compiled step alone, on one batch held in memory
    images, labels = next(dataset().create_tuple_iterator())
    net = network()
    optimizer = nn.Momentum(net.trainable_params(), RECIPE.lr, RECIPE.momentum)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss_fn()), optimizer)
    step.set_train()
    for _ in range(5):  # compile and warm up
        step(images, labels).asnumpy()
    from lenet5.platform import threads
    placement = threads.place("split" if args.layout == "auto" else args.layout)
    with Clock("step_read", "step, loss read every step", steps, results):
        for _ in range(steps):
            step(images, labels).asnumpy()
    with Clock("step_unread", "step, loss never read", steps, results):
        for _ in range(steps):
            loss = step(images, labels)
        loss.asnumpy()
    placement.restore()  # lenet5.train below places and restores by itself

    # 3. lenet5.train end to end; the second epoch is the steady state
    from mindspore.train import Callback

    class EpochClock(Callback):
        """Wall and CPU seconds of every epoch (also in sink mode, where steps are invisible)."""

        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_train_epoch_begin(self, run_context):
            self.start = time.perf_counter(), time.process_time()

        def on_train_epoch_end(self, run_context):
            self.epochs.append((time.perf_counter() - self.start[0],
                                time.process_time() - self.start[1]))

    for sink in (False, True):
        clock = EpochClock()
        lenet5.train(network(), dataset(), RECIPE.with_overrides(epochs=2), display=False,
                     sink=sink, callbacks=[clock])
        wall, cpu = (v * 1000 / steps for v in clock.epochs[-1])
        name = f"lenet5.train, sink={sink}"
        results["train_sink" if sink else "train"] = {"wall_s_per_1000_steps": round(wall, 2),
                         "cpu_s_per_1000_steps": round(cpu, 2)}
        print(f"{name:34s} wall {wall:6.2f} s   cpu {cpu:6.2f} s   per 1,000 steps "
              "(second epoch)", flush=True)
    results["maxpool"] = args.maxpool
    results["threads"] = lenet5.device.cpu_threads()
    results["thread_layout"] = args.layout
    results["mindspore"] = ms.__version__
    results.update(steps=steps, measured=f"{started:%Y-%m-%d %H:%M} UTC", load_average=load)
    if args.json:
        write_json(args.json, results)


if __name__ == "__main__":
    main()
