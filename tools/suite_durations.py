"""Where the time of ``make test`` goes: run the whole suite once and record it.

    python tools/suite_durations.py --label after     # run the suite as `make test` does
    python tools/suite_durations.py --label before --ingest out.txt --time time.txt
                                                     # record a run made by hand (see below)
    python tools/suite_durations.py --label one-worker --workers 1   # as a plain `pytest`
    python tools/suite_durations.py --table           # only rewrite README's table

A run records its wall time, the CPU time of pytest and everything it started (kernels,
main.py), the machine's load average while it ran (this run's own load included: on 2 cores
a busy machine stretches the wall time, not the CPU time), the outcome counts and the slowest
tests, into docs/results/test_durations.json under the label; the README's "Tests" section
shows the record as a table (between its test-durations markers). ``--ingest`` records a run
made as ``/usr/bin/time -v python -m pytest --durations=60 -q > out.txt 2> time.txt`` instead
(no load figure then, unless ``--load`` gives the mean the caller sampled).
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import threading
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from lenet5.atomic import replace_marked, write_json  # noqa: E402
from lenet5.device import usable_cores  # noqa: E402

RECORD = os.path.join(ROOT, "docs", "results", "test_durations.json")
README = os.path.join(ROOT, "README.md")
MARKER = "test-durations"  # <!-- test-durations:start --> ... <!-- test-durations:end -->
SLOWEST = 20  # tests kept per run
SHOWN = 10  # of them, rows of the README's table
WORKERS = 2  # as the Makefile's `make test` (its XDIST: -n 2 --dist loadfile)
DURATION = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S.*?)\s*$")
OUTCOME = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)\b")


def parse(output):
    """(outcome counts, [(seconds, phase, test)] slowest first) from pytest's text output."""
    lines = output.splitlines()
    durations, inside = [], False
    for line in lines:
        if "slowest" in line and "durations" in line:
            inside = True
        elif inside and line.startswith("="):
            inside = False
        elif inside and DURATION.match(line):
            seconds, phase, test = DURATION.match(line).groups()
            durations.append((float(seconds), phase, test))
    summary = next((l for l in reversed(lines) if OUTCOME.search(l) and " in " in l), "")
    counts = {("error" if kind.startswith("error") else kind): int(n)
              for n, kind in OUTCOME.findall(summary)}
    return counts, sorted(durations, reverse=True)


def by_file(durations):
    """{file: seconds} over every phase of every test of each file (notebooks: each cell)."""
    totals = {}
    for seconds, _, test in durations:
        name = test.split("::")[0]
        totals[name] = totals.get(name, 0.0) + seconds
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def commit():
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True)
    return proc.stdout.strip() or None


def entry(output, wall, cpu, load, complete, ran=None):
    counts, durations = parse(output)
    run = {"date": date.today().isoformat(), "commit": ran or commit(), "cores": usable_cores(),
           "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
           "load": None if load is None else round(load, 1), "outcome": counts,
           "slowest": [{"test": t, "phase": p, "seconds": s}
                       for s, p, t in durations[:SLOWEST]]}
    if complete:  # every test's time: the totals per file mean something
        run["by_file"] = [{"file": name, "seconds": round(s, 1)}
                          for name, s in list(by_file(durations).items())[:SLOWEST]]
    return run


def run_suite(args, workers=WORKERS):
    """Run the whole suite as ``make test`` does, timing it; (output, wall, cpu, mean load)."""
    samples, done = [], threading.Event()

    def sample():
        while not done.wait(5):
            samples.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    sampler.start()
    xdist = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []
    proc = subprocess.run([sys.executable, "-m", "pytest", *xdist, "--durations=0", "-q", *args],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - start
    done.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    load = sum(samples) / len(samples) if samples else None
    return proc.stdout + proc.stderr, wall, cpu, load


def read_time_v(path):
    """(wall, cpu) seconds from GNU time's -v report."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text).group(1)
    wall = 0.0
    for part in clock.split(":"):
        wall = wall * 60 + float(part)
    return wall, user + system


def read_record(path=RECORD):
    import json
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _minutes(seconds):
    minutes, rest = divmod(int(round(seconds)), 60)  # round first: 119.6 s is 2 min 00 s
    return f"{minutes} min {rest:02d} s"


def table(record):
    """The README's table: each run's totals, then the slowest tests of each."""
    labels = [l for l in ("before", "after") if l in record] + \
        sorted(l for l in record if l not in ("before", "after"))
    if not labels:
        return "(no run recorded yet: python tools/suite_durations.py --label after)"
    head = "| | " + " | ".join(labels) + " |\n|---|" + "---:|" * len(labels) + "\n"
    rows = [("pytest workers", [str(record[l].get("workers", "?")) for l in labels]),
            ("wall time", [_minutes(record[l]["wall_seconds"]) for l in labels]),
            ("CPU time (pytest, kernels, scripts)",
             [_minutes(record[l]["cpu_seconds"]) for l in labels]),
            ("load average while it ran",
             ["-" if record[l]["load"] is None else f"{record[l]['load']:.1f}" for l in labels]),
            ("tests (passed / failed / skipped)",
             [" / ".join(str(record[l]["outcome"].get(k, 0))
                         for k in ("passed", "failed", "skipped")) for l in labels]),
            ("measured", [f"{record[l]['date']}, {record[l]['cores']} cores, "
                          f"commit {record[l]['commit']}" for l in labels])]
    text = head + "".join(f"| {name} | " + " | ".join(cells) + " |\n" for name, cells in rows)
    for label in labels:
        text += (f"\nThe {SHOWN} slowest steps ({label}):\n\n| seconds | step | test |\n"
                 "|---:|---|---|\n")
        text += "".join(f"| {t['seconds']:.1f} | {t['phase']} | `{t['test']}` |\n"
                        for t in record[label]["slowest"][:SHOWN])
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--label", default="after", help="the run's name in the record")
    p.add_argument("--workers", type=int,
                   help=f"pytest-xdist workers, 1: none (default: {WORKERS}; with --ingest 1)")
    p.add_argument("--table", action="store_true", help="only rewrite README's table")
    p.add_argument("--ingest", metavar="OUTPUT", help="pytest's output of a run made by hand")
    p.add_argument("--time", metavar="FILE", help="with --ingest: GNU time -v's report of it")
    p.add_argument("--load", type=float, help="with --ingest: the mean load average during it")
    p.add_argument("--commit", help="with --ingest: the commit that ran (default: this one)")
    p.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = p.parse_args(argv)
    record = read_record()
    if not args.table:
        if args.ingest:
            if not args.time:
                p.error("--ingest needs --time (GNU time -v's report of the same run)")
            try:
                with open(args.ingest, encoding="utf-8") as f:
                    output = f.read()
                wall, cpu = read_time_v(args.time)
            except (OSError, AttributeError) as e:  # AttributeError: not GNU time's report
                p.error(f"cannot read the run: {e}")
            record[args.label] = entry(output, wall, cpu, args.load, complete=False,
                                       ran=args.commit)
            record[args.label]["workers"] = args.workers or 1
        else:
            workers = args.workers or WORKERS
            output, wall, cpu, load = run_suite(args.pytest_args, workers)
            record[args.label] = entry(output, wall, cpu, load, complete=True)
            record[args.label]["workers"] = workers
            print(output[-3000:])
        write_json(RECORD, record)
        print(f"{args.label}: {wall:.0f} s wall, {cpu:.0f} s CPU -> "
              f"{os.path.relpath(RECORD, ROOT)}")
    if not replace_marked(README, MARKER, table(record)):
        sys.exit(f"error: no {MARKER} markers in {os.path.relpath(README, ROOT)}")


if __name__ == "__main__":
    main()
