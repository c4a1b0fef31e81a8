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


def _interactive():
    if "ipykernel" in sys.modules:
        return True
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _tqdm():
    """A widget bar in Jupyter when ipywidgets is installed, else the text bar (works there too)."""
    if "ipykernel" in sys.modules:
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm
            return tqdm
        except ImportError:
            pass
    from tqdm import tqdm
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
    """Records per-step and per-epoch loss and time; shows progress unless ``display=None``.

    ``display``: "auto" (bar when interactive, else log lines), "bar", "log" or None (quiet,
    only the per-epoch summary), or False (nothing printed).
    """

    def __init__(self, batch_size, display="auto", out=None):
        super().__init__()
        self.batch_size = batch_size
        self.display = ("bar" if _interactive() else "log") if display == "auto" else display
        self.out = out or sys.stdout
        self.step_losses, self.epoch_losses, self.epoch_seconds = [], [], []
        self._bar = None

    def on_train_epoch_begin(self, run_context):
        cb = run_context.original_args()
        self._steps = cb.batch_num
        self._epoch_losses = []
        self._start = time.perf_counter()
        self._next_log = 0
        if self.display == "bar":
            self._bar = _tqdm()(total=self._steps, unit="step", leave=False,
**_bar_size(),
                             desc=f"epoch {cb.cur_epoch_num}/{cb.epoch_num}")

    def on_train_step_end(self, run_context):
        cb = run_context.original_args()
        loss = float(np.asarray(cb.net_outputs.asnumpy()).mean())
        self._epoch_losses.append(loss)
        self.step_losses.append(loss)
        step = len(self._epoch_losses)
        elapsed = time.perf_counter() - self._start
        rate = step * self.batch_size / elapsed
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{rate:.0f}", refresh=False)
        elif self.display == "log" and step >= self._next_log and step < self._steps:
            eta = (self._steps - step) * elapsed / step
            print(f"  epoch {cb.cur_epoch_num}/{cb.epoch_num} step {step}/{self._steps} "
                  f"loss {loss:.4f} {rate:.0f} img/s eta {_clock(eta)}", file=self.out, flush=True)
            self._next_log = step + max(1, self._steps // 10)

    def on_train_epoch_end(self, run_context):
        cb = run_context.original_args()
        seconds = time.perf_counter() - self._start
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.epoch_losses.append(float(np.mean(self._epoch_losses)))
        self.epoch_seconds.append(seconds)
        if self.display is not False:
            images = len(self._epoch_losses) * self.batch_size
            print(f"epoch: {cb.cur_epoch_num}/{cb.epoch_num} step: {len(self._epoch_losses)}, "
                  f"loss is {self._epoch_losses[-1]:.4f} (epoch mean {self.epoch_losses[-1]:.4f}), "
                  f"{seconds:.1f} s, {images / seconds:.0f} img/s", file=self.out, flush=True)
