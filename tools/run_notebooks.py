"""Execute the course notebooks in place (``make notebooks``) and report how long each took.

    python tools/run_notebooks.py                 # all of notebooks/*.ipynb, in order
    python tools/run_notebooks.py notebooks/03_training.ipynb
    python tools/run_notebooks.py --check         # run, time, but leave the files untouched

Each notebook runs top to bottom in a fresh ``python3`` kernel started in notebooks/ (as in
JupyterLab), importing this checkout's ``src/lenet5``. The saved file keeps only metadata that
does not change from run to run: no timings, no Python patch version, and no output of a cell
that nbval skips (``# NBVAL_SKIP``: nothing checks it, so nothing of it is stored).
"""
import argparse
import glob
import os
import resource
import sys
import time
from datetime import datetime

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.device import usable_cores  # noqa: E402
from lenet5.atomic import atomic_path  # noqa: E402

SKIP = "# NBVAL_SKIP"
KERNEL = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3"}


def clean(nb):
    """Drop what changes between runs and machines; keep the outputs and cell tags."""
    nb.metadata = nbformat.NotebookNode(kernelspec=KERNELSPEC, language_info=LANGUAGE_INFO)
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in ("tags",)})
        if cell.cell_type == "code" and SKIP in cell.source:
            cell.outputs = []  # e.g. an IFrame of a server that stops with the kernel
        for output in cell.get("outputs", []):
            output.pop("transient", None)
    return nb


def kernel_env():
    """The kernel imports this checkout's lenet5 even when another copy is installed."""
    src = os.path.join(ROOT, "src")
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = src + (os.pathsep + path if path else "")


def cell_seconds(nb):
    """``[(seconds, first source line)]`` of the code cells, from nbclient's timing metadata."""
    out = []
    for cell in nb.cells:
        times = cell.metadata.get("execution", {})
        if "iopub.execute_input" in times and "shell.execute_reply" in times:
            start, end = (datetime.fromisoformat(times[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            out.append(((end - start).total_seconds(), cell.source.splitlines()[0][:60]))
    return out


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(path, timeout=600):
    """Run ``path`` top to bottom in a fresh kernel.

    Returns the executed notebook, the wall-clock seconds, the CPU seconds of the kernel (all
    its threads: on a machine shared with other jobs this measures the notebook's own work
    better than the wall clock) and the per-cell seconds.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, record_timing=True,
                            resources={"metadata": {"path": os.path.dirname(path)}})
    start, cpu = time.perf_counter(), children_cpu()
    client.execute()  # starts the kernel, runs every cell, shuts the kernel down (and reaps it)
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
    return clean(nb), seconds, cpu, cell_seconds(nb)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="do not write the notebooks back")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--slowest", type=int, default=3, metavar="N",
                        help="show the N slowest cells of each notebook")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    kernel_env()
    rows, failed = [], False
    for path in paths:
        path = os.path.abspath(path)
        name = os.path.relpath(path, ROOT)
        print(f"running {name} ...", flush=True)
        try:
            nb, seconds, cpu, cells = execute(path, args.timeout)
        except CellExecutionError as e:
            print(f"error: {name} failed:\n{e}", file=sys.stderr)
            failed = True
            continue
        rows.append((name, seconds, cpu))
        if not args.check:
            with atomic_path(path) as tmp:
                nbformat.write(nb, tmp)
        print(f"  {seconds:.1f} s ({cpu:.1f} s of CPU)", flush=True)
        for cell_time, first_line in sorted(cells, reverse=True)[:args.slowest]:
            print(f"    {cell_time:6.1f} s  {first_line}")
    print(f"\n| notebook | seconds | CPU seconds |\n|---|---:|---:|")
    for name, seconds, cpu in rows:
        print(f"| {os.path.basename(name)[:-6]} | {seconds:.0f} | {cpu:.0f} |")
    print(f"| all ({usable_cores()} CPU cores, load average {os.getloadavg()[0]:.1f}) | "
          f"{sum(r[1] for r in rows):.0f} | {sum(r[2] for r in rows):.0f} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
