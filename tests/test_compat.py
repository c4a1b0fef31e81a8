"""The supported MindSpore/NumPy range: what ``import lenet5``, main.py and ``lenet5`` say outside
it. Other versions are faked with package metadata placed ahead on PYTHONPATH, which is all that
lenet5.platform.compat reads (the real MindSpore is never imported on that path)."""
import os
import subprocess
import sys

import pytest

from helpers import ROOT
from lenet5.platform import compat


def fake_versions(folder, **versions):
    """A PYTHONPATH entry whose metadata says ``versions`` ({distribution: version})."""
    for name, version in versions.items():
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return str(folder)


def run_with(path, *command):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([path, os.path.join(ROOT, "src")])}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_release_orders_versions_numerically():
    assert compat.release("2.10.0") > compat.release("2.9.0") > compat.release("2.7.1rc1")
    assert compat.release("2.7.1rc1") == (2, 7, 1) and compat.release(None) == ()


@pytest.mark.parametrize("mindspore, numpy, have", [
    ("2.6.0", "1.26.4", "MindSpore 2.6.0 is installed"),
    ("2.7.0", "1.26.4", "MindSpore 2.7.0 is installed"),
    ("2.10.0", "2.2.6", "NumPy 2.2.6 is installed with MindSpore 2.10.0"),
])
def test_unsupported_versions_are_named_with_the_fix(mindspore, numpy, have):
    message = compat.problem(mindspore, numpy)
    assert message.startswith(have + "; lenet5 needs MindSpore 2.7.1 to 2.10.0 with NumPy < 2")
    assert message.endswith('pip install "mindspore>=2.7.1,<2.11" "numpy<2"')


@pytest.mark.parametrize("mindspore", ["2.7.1", "2.8.0", "2.9.0", "2.10.0", "2.11.0"])
def test_supported_and_newer_versions_pass(mindspore):
    assert compat.problem(mindspore, "1.26.4") is None


def test_an_old_device_build_of_mindspore_is_named(monkeypatch):
    versions = {"mindspore-ascend": "2.2.14", "numpy": "1.26.4"}  # no "mindspore" distribution

    def version(name):
        if name not in versions:
            raise compat.metadata.PackageNotFoundError(name)
        return versions[name]
    monkeypatch.setattr(compat.metadata, "version", version)
    assert compat.problem().startswith("MindSpore 2.2.14 is installed; lenet5 needs ")


def test_the_installed_versions_are_supported():
    assert compat.problem() is None, compat.problem()


@pytest.mark.parametrize("versions, have", [
    ({"mindspore": "2.6.0"}, "MindSpore 2.6.0 is installed"),
    ({"numpy": "2.2.6"}, "NumPy 2.2.6 is installed with MindSpore"),
])
@pytest.mark.parametrize("entry", ["main.py", "lenet5 doctor", "import lenet5"])
def test_unsupported_versions_end_in_one_error_line(tmp_path, versions, have, entry):
    command = {"main.py": [sys.executable, "main.py", "--train_url", str(tmp_path / "out")],
               "lenet5 doctor": [sys.executable, "-m", "lenet5.cli", "doctor"],
               "import lenet5": [sys.executable, "-c", "import lenet5"]}[entry]
    proc = run_with(fake_versions(tmp_path / "site", **versions), *command)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: {have}") and proc.stderr.count("\n") == 1, proc.stderr
    assert "numpy<2" in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "out").exists()


def test_the_installed_lenet5_command_says_it_too(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "lenet5")
    if not os.path.exists(script):
        pytest.skip("no `lenet5` console script beside this Python (package not pip-installed)")
    proc = run_with(fake_versions(tmp_path, mindspore="2.6.0"), script, "doctor")
    assert proc.returncode == 2 and proc.stderr.startswith("error: MindSpore 2.6.0"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_notebook_sees_an_import_error_with_the_same_line(tmp_path):
    catch = ("try:\n    import lenet5\nexcept ImportError as e:\n"
             "    print(type(e).__name__, e, sep=': ')")
    proc = run_with(fake_versions(tmp_path, mindspore="2.6.0"), sys.executable, "-c", catch)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("UnsupportedVersions: MindSpore 2.6.0 is installed; ")
