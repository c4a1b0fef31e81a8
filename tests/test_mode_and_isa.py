"""tools/mode_and_isa.py end to end on a tiny data set: it runs main.py in each setting and
writes the JSON the appendix quotes."""
import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, write_split

SCRIPT = os.path.join(ROOT, "tools", "mode_and_isa.py")


@pytest.mark.slow
def test_writes_every_setting(tmp_path):
    write_split(tmp_path / "data" / "train", "train", 64)
    write_split(tmp_path / "data" / "test", "test", 32)
    out = tmp_path / "modes.json"
    proc = subprocess.run([sys.executable, SCRIPT, "--data", str(tmp_path / "data"),
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert set(results["runs"]) == {"graph", "pynative", "isa_all"}
    for run in results["runs"].values():
        assert run["seconds"][0] > 0 and 0 <= run["accuracy"][0] <= 1 and run["loss"][0] > 0
    assert results["pynative_slowdown"] > 0 and isinstance(results["machine"]["avx512"], bool)


def test_bad_repeats_is_one_clear_error():
    proc = subprocess.run([sys.executable, SCRIPT, "--repeats", "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip() == ("error: --repeats must be at least "
                                                            "1, got 0")
