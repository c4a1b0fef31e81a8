"""bench/vs_pytorch.py end to end on a tiny data set: it runs and writes the report's table."""
import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

from helpers import ROOT, write_split

SCRIPT = os.path.join(ROOT, "bench", "vs_pytorch.py")


def run_bench(*args):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_benchmark_report(tmp_path):
    write_split(tmp_path / "data" / "train", "train", 128)
    write_split(tmp_path / "data" / "test", "test", 64)
    frameworks = ["mindspore"] + (["pytorch"] if importlib.util.find_spec("torch") else [])
    report, raw = tmp_path / "BENCHMARKS.md", tmp_path / "raw.json"
    proc = run_bench("--data_url", tmp_path / "data", "--epochs", 1, "--eval-images", 64,
                     "--eval-images-batch1", 8, "--frameworks", ",".join(frameworks), "--runs", 2,
                     "--out", report, "--json", raw)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = report.read_text()
    for row in ("training images/s (best epoch)", "best epoch seconds",
                "evaluation images/s, batch 1 ", "evaluation images/s, batch 32 ",
                "evaluation images/s, batch 1000 ", "first evaluation of the test set",
                "peak memory (RSS, MiB)"):
        assert row in text
    assert "MindSpore 2." in text and "Machine: " in text and "Measured 20" in text
    results = json.loads(raw.read_text())["results"]
    names = [{"mindspore": "MindSpore", "pytorch": "PyTorch"}[f] for f in frameworks]
    assert [r["framework"] for r in results] == names * 2  # interleaved: A, B, A, B
    assert [r["run"] for r in results] == [0] * len(names) + [1] * len(names)
    assert "Runs: 2 of each framework, interleaved" in text
    for r in results:
        assert r["images_per_epoch"] == 128 and len(r["epoch_seconds"]) == 1
        assert r["peak_rss_mib"] > 50
        # batch 1000 on 64 images: nothing to time, so it is left out of the count
        assert r["evaluation"]["1"]["images"] == 8 and r["evaluation"]["32"]["images"] == 64
        assert r["evaluation"]["32"]["first_seconds"] > 0
        assert r["evaluation"]["1000"] is None
    if len(frameworks) == 2:
        assert "| MindSpore / PyTorch |" in text
        summary = json.loads(raw.read_text())["summary"]
        assert summary["runs"] == 2 and set(summary["eval_throughput_ratio"]) == {"1", "32"}


def test_bad_options_are_one_line(tmp_path):
    proc = run_bench("--data_url", tmp_path / "absent", "--out", tmp_path / "r.md")
    assert proc.returncode == 2 and proc.stderr.startswith("error: data folder")
    assert not (tmp_path / "r.md").exists()


@pytest.mark.slow
def test_busy_laptop_benchmark_runs_each_layout_under_each_load(tmp_path):
    write_split(tmp_path / "data" / "train", "train", 256)
    write_split(tmp_path / "data" / "test", "test", 64)
    out, raw = tmp_path / "table.md", tmp_path / "runs.json"
    args = ["--data_url", tmp_path / "data", "--epochs", 2, "--repeats", 1, "--loads", 0, 1,
            "--layouts", "auto", "free", "--no-torch", "--out", out, "--json", raw]
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "busy_laptop.py"),
                           *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(raw.read_text())
    assert sorted((r["layout"], r["load"]) for r in runs) == [
        ("auto", 0), ("auto", 1), ("free", 0), ("free", 1)]
    assert all(len(r["epoch_seconds"]) == 2 and r["eval_seconds"] > 0
               and r["other_load_before"] >= 0 for r in runs)
    table = out.read_text()
    assert "| `auto` | " in table and "| `free` | " in table
    assert "quiet: median [range]" in table and "1 busy loop: median [range], x quiet" in table
    assert table.count("| `auto` | ") == 2 and "Evaluation of the test split at batch 32" in table
    assert not [p for p in os.popen("ps -eo args").read().splitlines()
                if p.endswith("while True: pass")]  # the busy loops were stopped


def test_the_readme_shows_the_benchmark_table_of_docs():
    """README's copy (bench/vs_pytorch.py --readme) is the table of docs/BENCHMARKS.md, from
    the same run."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    with open(os.path.join(ROOT, "docs", "BENCHMARKS.md"), encoding="utf-8") as f:
        benchmarks = f.read()
    block = readme.split("<!-- vs-pytorch:start -->")[1].split("<!-- vs-pytorch:end -->")[0]
    rows = [line for line in block.splitlines() if line.startswith("|")]
    assert len(rows) > 5 and all(row in benchmarks.splitlines() for row in rows)
    measured = re.search(r"Measured (\S+ \S+) to", block).group(1)
    assert f"Measured {measured} to" in benchmarks
