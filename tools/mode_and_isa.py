"""The appendix's speed tables: one epoch of the course recipe in GRAPH and in PyNative mode,
and with oneDNN capped at AVX2 (what ``import lenet5`` sets) and uncapped.

    python tools/mode_and_isa.py                  # writes docs/results/mode_and_isa.json
    python tools/mode_and_isa.py --repeats 3 --json /tmp/modes.json

Each setting runs ``main.py --epochs 1`` in a fresh process, as a user would (the mode and
``ONEDNN_MAX_CPU_ISA`` are fixed when MindSpore starts), and keeps what its ``metrics.json``
says: the seconds of the epoch (in GRAPH mode with the compilation of the graph), the epoch's
mean loss and the test accuracy. The times depend on the machine and on what else runs on it:
the JSON records the CPU, whether it has AVX-512, and the load average before each run.
``tools/figures.py`` copies the numbers into course/appendix_devices_and_speed.md. About two
minutes on 2 cores.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.atomic import write_json  # noqa: E402
from lenet5.platform.doctor import cpu_model_and_flags  # noqa: E402
from lenet5.platform.threads import usable_cores  # noqa: E402

# name: (main.py --mode, ONEDNN_MAX_CPU_ISA; None: unset, so that lenet5 sets AVX2)
SETTINGS = {"graph": ("graph", None), "pynative": ("pynative", None), "isa_all": ("graph", "ALL")}


def one_epoch(mode, isa, data):
    """``metrics.json`` of ``main.py --epochs 1 --mode MODE`` with ``ONEDNN_MAX_CPU_ISA=isa``,
    and the load average of the minute before it started."""
    env = {k: v for k, v in os.environ.items() if k != "ONEDNN_MAX_CPU_ISA"}
    if isa:
        env["ONEDNN_MAX_CPU_ISA"] = isa
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lenet5-modes-") as out:
        command = [sys.executable, os.path.join(ROOT, "main.py"), "--epochs", "1", "--mode", mode,
                   "--data_url", data, "--train_url", out, "--device_target", "CPU",
                   "--progress", "none"]
        prefix = f"ONEDNN_MAX_CPU_ISA={isa} " if isa else ""
        print(f"$ {prefix}main.py --epochs 1 --mode {mode}", flush=True)
        subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "metrics.json"), encoding="utf-8") as f:
            metrics = json.load(f)
    return metrics, load


def measure(name, repeats, data):
    mode, isa = SETTINGS[name]
    runs = [one_epoch(mode, isa, data) for _ in range(repeats)]
    return {"mode": mode, "ONEDNN_MAX_CPU_ISA": isa or "AVX2 (set by lenet5)",
            "seconds": [m["train_seconds"] for m, _ in runs],
            "loss": [m["epoch_losses"][0] for m, _ in runs],
            "accuracy": [m["accuracy"] for m, _ in runs],
            "load": [round(load, 2) for _, load in runs]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs of each setting")
    parser.add_argument("--data", default=os.path.join(ROOT, "MNIST"))
    parser.add_argument("--json", default=os.path.join(ROOT, "docs", "results",
                                                       "mode_and_isa.json"))
    args = parser.parse_args(argv)
    if args.repeats < 1:
        print(f"error: --repeats must be at least 1, got {args.repeats}", file=sys.stderr)
        return 2
    import mindspore as ms
    cpu, flags = cpu_model_and_flags()
    runs = {name: measure(name, args.repeats, args.data) for name in SETTINGS}
    median = {name: statistics.median(run["seconds"]) for name, run in runs.items()}
    results = {"machine": {"cpu": cpu, "cores": usable_cores(), "avx512": "avx512f" in flags,
                           "mindspore": ms.__version__,
                           "date": datetime.date.today().isoformat()},
               "runs": runs,
               # how many times longer the epoch took (medians)
               "pynative_slowdown": round(median["pynative"] / median["graph"], 1),
               "isa_all_slowdown": round(median["isa_all"] / median["graph"], 1)}
    write_json(args.json, results)
    for name, run in runs.items():
        print(f"{name:9} seconds {run['seconds']}, loss {run['loss']}, accuracy {run['accuracy']}, "
              f"load {run['load']}")
    print(f"PyNative / GRAPH: {results['pynative_slowdown']}x; "
          f"ISA ALL / AVX2: {results['isa_all_slowdown']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
