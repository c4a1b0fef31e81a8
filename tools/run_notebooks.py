"""Execute the course notebooks in place (``make notebooks``) and report how long each took.

    python tools/run_notebooks.py                 # all of notebooks/*.ipynb, in order
    python tools/run_notebooks.py notebooks/03_training.ipynb
    python tools/run_notebooks.py --check         # run, time, but leave the files untouched
    python tools/run_notebooks.py --table         # only rewrite the syllabus table from the record

Each notebook runs top to bottom in a fresh ``python3`` kernel started in notebooks/ (as in
JupyterLab), importing this checkout's ``src/lenet5``. The saved file keeps only metadata that
does not change from run to run: no timings, no Python patch version, and no output of a cell
that nbval skips (``# NBVAL_SKIP``: nothing checks it, so nothing of it is stored).

The times of every notebook that ran to the end (also with ``--check``; not with
``--no-record``) go into course/notebook_times.json, with the machine, the date and a digest
of the notebook's code, and from there into the table of course/README.md (between its
notebook-times markers). tests/test_course.py fails when a notebook's code changed since its
time was measured, or when the table is not the record's.
"""
import argparse
import glob
import hashlib
import json
import os
import resource
import sys
import textwrap
import time
from datetime import date, datetime

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.device import usable_cores  # noqa: E402
from lenet5.atomic import atomic_path, replace_marked, write_json  # noqa: E402

RECORD = os.path.join(ROOT, "course", "notebook_times.json")
SYLLABUS = os.path.join(ROOT, "course", "README.md")
MARKER = "notebook-times"  # <!-- notebook-times:start --> ... <!-- notebook-times:end -->
SKIP = "# NBVAL_SKIP"
WORDS = {n: w for n, w in enumerate("zero one two three four five six seven eight nine ten "
                                    "eleven twelve".split())}

KERNEL = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3"}


def coalesce_streams(outputs):
    """Consecutive pieces of one stream as one output, as Jupyter shows them: a line printed
    in parts as work goes on (lesson 5's trials) is stored as one line, not one output a part."""
    merged = []
    for output in outputs:
        if (output.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == output.name):
            merged[-1].text += output.text
        else:
            merged.append(output)
    return merged


def clean(nb):
    """Drop what changes between runs and machines; keep the outputs and cell tags."""
    nb.metadata = nbformat.NotebookNode(kernelspec=KERNELSPEC, language_info=LANGUAGE_INFO)
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in ("tags",)})
        if cell.cell_type == "code" and SKIP in cell.source:
            cell.outputs = []  # e.g. an IFrame of a server that stops with the kernel
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
        for output in cell.get("outputs", []):
            output.pop("transient", None)
    return nb


def code_digest(nb):
    """A digest of a notebook's code cells: what its run time depends on (its text does not)."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def machine():
    """What the times were measured on."""
    import mindspore as ms
    from lenet5.device import available_targets
    from lenet5.platform.doctor import cpu_model_and_flags
    return {"cpu": cpu_model_and_flags()[0], "cores": usable_cores(),
            "devices": ", ".join(available_targets()), "mindspore": ms.__version__}


def read_record(path=RECORD):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def record_times(rows, path=RECORD):
    """Merge ``rows`` ({name: entry}) into the record, dropping notebooks that no longer exist."""
    names = {os.path.basename(p)[:-6] for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))}
    record = {name: entry for name, entry in {**read_record(path), **rows}.items() if name in names}
    write_json(path, record)
    return record


def _span(values, fmt="{}"):
    low, high = min(values), max(values)
    return fmt.format(low) if low == high else f"{fmt.format(low)}–{fmt.format(high)}"


def times_table(record, lang="en"):
    """The syllabus table (Markdown) of a record: one row per notebook, the total, and how and
    where it was measured (``lang="zh_CN"``: for the Chinese syllabus, course/zh/README.md)."""
    zh = lang == "zh_CN"
    names = sorted(record)
    lines = ["| Notebook | 秒 | CPU 秒 |" if zh else "| notebook | seconds | CPU seconds |", "|---|---:|---:|"]
    lines += [f"| {name} | {record[name]['seconds']:.0f} | {record[name]['cpu_seconds']:.0f} |"
              for name in names]
    # The first eight, the course's core, have a time budget of their own (90 s; issue #20).
    first = [name for name in names if name[:2].isdigit() and int(name[:2]) <= 8]
    groups = ([(f"{first[0][:2]}–{first[-1][:2]}", first)] if len(first) < len(names) else [])
    groups.append((f"全部 {len(names)} 个" if zh else f"all {WORDS.get(len(names), len(names))}", names))
    for label, group in groups:
        total = [sum(record[name][key] for name in group) for key in ("seconds", "cpu_seconds")]
        lines.append(f"| **{label}** | **{total[0]:.0f}** | **{total[1]:.0f}** |")
    entries = [record[name] for name in names]
    machines = sorted({(e["machine"]["cores"], e["machine"]["cpu"], e["machine"]["devices"],
                        e["machine"]["mindspore"]) for e in entries})
    dates, loads = _span([e['date'] for e in entries]), _span([e['load'] for e in entries], '{:.1f}')
    if zh:
        where = "；".join(f"{cores} 个 CPU 核（{cpu}），可用设备：{devices}，MindSpore {version}"
                         for cores, cpu, devices, version in machines)
        return "\n".join(lines + ["", f"由 `tools/run_notebooks.py` 于 {dates} 测得，机器：{where}；"
                                   f"运行时的平均负载为 {loads}。墙钟秒数包括启动内核和导入 MindSpore 的时间；"
                                   "“CPU 秒”是内核所有线程占用的处理器时间。"])
    where = "; ".join(f"{cores} CPU cores ({cpu}), devices usable: {devices}, MindSpore {version}"
                      for cores, cpu, devices, version in machines)
    note = (f"Measured by `tools/run_notebooks.py` on {dates}, "
            f"on {where}; load average {loads} while "
            "they ran. Wall-clock seconds include starting a kernel and importing MindSpore; "
            "\"CPU seconds\" is the processor time of the kernel over all its threads.")
    lines += [""] + textwrap.wrap(note, width=96, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines)


def kernel_env():
    """The kernel imports this checkout's lenet5 even when another copy is installed."""
    src = os.path.join(ROOT, "src")
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = src + (os.pathsep + path if path else "")


def first_code_line(source):
    """The line that names a cell: its first that is code, past markers such as
    ``# NBVAL_IGNORE_OUTPUT``, comments and an autograder test's config string."""
    lines = source.splitlines()
    if lines and lines[0].startswith('""" # BEGIN TEST CONFIG'):
        end = next((i for i, line in enumerate(lines) if "# END TEST CONFIG" in line), 0)
        lines = lines[end + 1:]
    return next((line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")),
                lines[0] if lines else "")


def cell_seconds(nb):
    """``[(seconds, "[cell number] first code line")]`` of the code cells, from nbclient's
    timing metadata (cells numbered from 0, as in the notebook's list of cells)."""
    out = []
    for number, cell in enumerate(nb.cells):
        times = cell.metadata.get("execution", {})
        if "iopub.execute_input" in times and "shell.execute_reply" in times:
            start, end = (datetime.fromisoformat(times[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            label = f"[{number}] {first_code_line(cell.source)}"
            out.append(((end - start).total_seconds(), label[:72]))
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
    per_cell = cell_seconds(nb)  # before clean(), which drops the timing metadata
    return clean(nb), seconds, cpu, per_cell


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="do not write the notebooks back")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--slowest", type=int, default=3, metavar="N",
                        help="show the N slowest cells of each notebook")
    parser.add_argument("--no-record", dest="record", action="store_false",
                        help="leave course/notebook_times.json and the syllabus table alone")
    parser.add_argument("--table", action="store_true", help="run nothing: only rewrite the "
                        "syllabus table from course/notebook_times.json")
    args = parser.parse_args(argv)
    if args.table:
        return 0 if replace_marked(SYLLABUS, MARKER, times_table(read_record())) else 1
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    kernel_env()
    rows, failed, measured = [], False, {}
    where = machine() if args.record else None
    for path in paths:
        path = os.path.abspath(path)
        name = os.path.relpath(path, ROOT)
        print(f"running {name} ...", flush=True)
        load = os.getloadavg()[0]
        try:
            nb, seconds, cpu, cells = execute(path, args.timeout)
        except CellExecutionError as e:
            print(f"error: {name} failed:\n{e}", file=sys.stderr)
            failed = True
            continue
        rows.append((name, seconds, cpu))
        if not args.check and os.path.dirname(os.path.dirname(path)) == ROOT:
            with atomic_path(path) as tmp:  # notebooks/ or notebooks_zh/, not a copy elsewhere
                nbformat.write(nb, tmp)
        if os.path.dirname(path) == os.path.join(ROOT, "notebooks"):
            # the course's own times (not the Chinese notebooks', nor a copy's: test_full_layout)
            measured[os.path.basename(path)[:-6]] = {
                "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                "code": code_digest(nb), "date": date.today().isoformat(),
                "load": round(max(load, os.getloadavg()[0]), 1), "machine": where}
        print(f"  {seconds:.1f} s ({cpu:.1f} s of CPU)", flush=True)
        for cell_time, first_line in sorted(cells, reverse=True)[:args.slowest]:
            print(f"    {cell_time:6.1f} s  {first_line}")
    print(f"\n| notebook | seconds | CPU seconds |\n|---|---:|---:|")
    for name, seconds, cpu in rows:
        print(f"| {os.path.basename(name)[:-6]} | {seconds:.0f} | {cpu:.0f} |")
    print(f"| all ({usable_cores()} CPU cores, load average {os.getloadavg()[0]:.1f}) | "
          f"{sum(r[1] for r in rows):.0f} | {sum(r[2] for r in rows):.0f} |")
    if args.record and measured:
        record = record_times(measured)
        if replace_marked(SYLLABUS, MARKER, times_table(record)):
            print(f"\nrecorded in {os.path.relpath(RECORD, ROOT)}; the table of "
                  f"{os.path.relpath(SYLLABUS, ROOT)} now has {len(record)} row(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
