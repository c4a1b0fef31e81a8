"""Training progress that reads well in a terminal, a notebook and a CI log.

Interactive (a terminal or Jupyter): a tqdm bar per epoch with loss, images/s and ETA.
Otherwise (a pipe, a CI log): a plain line about every tenth of an epoch, no carriage returns.
Either way, one summary line per epoch, like the course's ``LossMonitor``.
"""
import os
import sys
import time

import numpy as np
from mindspore.train import Callback
from tqdm import tqdm


def _interactive():
    if "ipykernel" in sys.modules:
        return True
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _tqdm():
    """A widget bar in Jupyter when ipywidgets is installed, else the text bar (works there too)."""
    if "ipykernel" in sys.modules:
        try:
            import ipywidgets  # noqa: F401  (optional: tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm as notebook_tqdm
            return notebook_tqdm
        except ImportError:
            pass
    return tqdm


def _bar_size():
    # A pty can report a 0x0 size (e.g. under `script`); tqdm then draws nothing at all.
    try:
        columns, rows = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError):
        columns, rows = 0, 0
    return {"ncols": min(columns, 120) if columns > 0 else 100, "nrows": rows or 24}


def _clock(seconds):
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}:{seconds:02d}"


class TrainingMonitor(Callback):
    """Records loss and time per step and per epoch; shows progress.

    Works from MindSpore's global step count, so it reads the same whether steps arrive one by
    one or in dataset-sink chunks (then one loss per chunk is recorded: the chunk's last).
    ``display``: "auto" (a bar when interactive, else log lines), "bar", "log", None or
    "none" (only the per-epoch summary line) or False (nothing printed).
    """

    def __init__(self, batch_size, steps_per_epoch, epochs, display="auto", out=None):
        super().__init__()
        self.batch_size, self.steps_per_epoch, self.epochs = batch_size, steps_per_epoch, epochs
        self.display = {"auto": "bar" if _interactive() else "log", "none": None}.get(display,
                                                                                  display)
        self.out = out or sys.stdout
        self.step_losses, self.epoch_losses, self.epoch_seconds = [], [], []
        self._bar = None
        self._done = 0  # global steps seen so far

    def on_train_epoch_begin(self, run_context):
        # Here rather than at the end of the last epoch: an epoch's time leaves out the work of
        # the callbacks that end the epoch before (a checkpoint, an evaluation).
        self._begin_epoch()

    def _begin_epoch(self):
        self._epoch_losses = []
        self._start = time.perf_counter()
        self._next_log = max(1, self.steps_per_epoch // 10)
        if self.display == "bar":
            epoch = len(self.epoch_seconds) + 1
            self._bar = _tqdm()(total=self.steps_per_epoch, unit="step", leave=False,
                                desc=f"epoch {epoch}/{self.epochs}", **_bar_size())

    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        loss = float(np.asarray(cb.net_outputs.asnumpy()).mean())
        new, self._done = cb.cur_step_num - self._done, cb.cur_step_num
        self._epoch_losses.append(loss)
        self.step_losses.append(loss)
        epoch = len(self.epoch_seconds) + 1
        step = self._done - (epoch - 1) * self.steps_per_epoch  # within this epoch
        elapsed = time.perf_counter() - self._start
        rate = step * self.batch_size / elapsed
        if self._bar is not None:
            self._bar.update(new)
            self._bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{rate:.0f}", refresh=False)
        elif self.display == "log" and self._next_log <= step < self.steps_per_epoch:
            eta = (self.steps_per_epoch - step) * elapsed / step
            print(f"  epoch {epoch}/{self.epochs} step {step}/{self.steps_per_epoch} "
                  f"loss {loss:.4f} {rate:.0f} img/s eta {_clock(eta)}", file=self.out, flush=True)
            self._next_log = step + max(1, self.steps_per_epoch // 10)
        if step >= self.steps_per_epoch:
            self._end_epoch(epoch, loss, elapsed)

    def _end_epoch(self, epoch, loss, seconds):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.epoch_losses.append(float(np.mean(self._epoch_losses)))
        self.epoch_seconds.append(seconds)
        if self.display is not False:
            images = self.steps_per_epoch * self.batch_size
            print(f"epoch: {epoch}/{self.epochs} step: {self.steps_per_epoch}, loss is {loss:.4f} "
                  f"(epoch mean {self.epoch_losses[-1]:.4f}), {seconds:.1f} s, "
                  f"{images / seconds:.0f} img/s", file=self.out, flush=True)

    def note(self, message):
        """Print one line of news (e.g. other programs slowing training down) above the bar."""
        if self.display is False:
            return
        if self._bar is not None:
            self._bar.write(message, file=self.out)
        else:
            print(message, file=self.out, flush=True)

    def on_train_end(self, run_context):
        if self._bar is not None:  # training stopped early
            self._bar.close()
