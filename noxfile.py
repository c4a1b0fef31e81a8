"""The supported-version matrix (docs/COMPATIBILITY.md): each session builds a fresh virtual
environment, installs one MindSpore and then the package, and runs a smoke set.

    nox -l                                   # the sessions
    nox -s "smoke(ms2.7.1-py3.11)"           # one of them (.ci/run runs this one, the 3.12 one
                                             # on MindSpore 2.10.0, and modelarts)
    nox -s modelarts                         # a simulated ModelArts notebook image, offline install

Interpreters are looked up on PATH (python3.10, ...) and in pyenv's folders.
"""
import glob
import json
import os
import re
import shlex
import shutil

import nox

ROOT = os.path.dirname(os.path.abspath(__file__))
# The oldest and newest supported MindSpore on each Python with wheels for them (2.7.1 has none
# for 3.12: 2.7.2 is the oldest there).
MATRIX = [("3.10", "2.7.1"), ("3.11", "2.7.1"), ("3.12", "2.7.2"),
          ("3.10", "2.10.0"), ("3.11", "2.10.0"), ("3.12", "2.10.0")]
SMOKE_NOTEBOOK = "notebooks/03_training.ipynb"
# Every notebook of the course, in order (03 writes the checkpoint that 04 and later read).
COURSE_NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9][0-9]_*.ipynb")))
MIN_ACCURACY = 0.96  # the course recipe on the shipped sample (per version: docs/COMPATIBILITY.md)

nox.options.reuse_existing_virtualenvs = False  # every session installs from scratch
nox.options.error_on_missing_interpreters = True  # a missing Python is a failure, not a skip
for _bin in sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin"))):
    os.environ["PATH"] += os.pathsep + _bin  # after the user's own: pyenv's shims may not resolve


def install(session, mindspore, *extras):
    """MindSpore first, then the package (which must keep that MindSpore), then a check."""
    session.install(f"mindspore=={mindspore}")
    session.install("-e", f".[{','.join(extras)}]" if extras else ".")
    session.run("python", "-c", "import mindspore, numpy; print('MindSpore', mindspore.__version__,"
                f" 'NumPy', numpy.__version__); assert mindspore.__version__ == {mindspore!r}")


def check_accuracy(session, metrics_path):
    with open(metrics_path) as f:
        accuracy = json.load(f)["accuracy"]
    session.log(f"course recipe: {accuracy:.2%} on the shipped sample")
    if accuracy < MIN_ACCURACY:
        session.error(f"accuracy {accuracy:.2%} is below {MIN_ACCURACY:.0%}")


@nox.session
@nox.parametrize("python,mindspore", [nox.param(py, ms, id=f"ms{ms}-py{py}")
                                      for py, ms in MATRIX])
def smoke(session, mindspore):
    """Unit tests without the slow ones, main.py's course recipe, one notebook under nbval."""
    install(session, mindspore, "test")
    env = {"PYTHONPATH": ""}  # the editable install, not a caller's checkout
    session.run("pytest", "tests", "-m", "not slow", "-q", env=env)
    out = os.path.join(session.create_tmp(), "outputs")
    session.run("python", "main.py", "--progress", "none", "--train_url", out, env=env)
    check_accuracy(session, os.path.join(out, "metrics.json"))
    session.run("pytest", SMOKE_NOTEBOOK, "--nbval-current-env", "-q", env=env)


def how_to_run_block(name):
    """The commands of the ```bash block after ``<!-- modelarts: NAME -->`` in
    course/how_to_run.md: the session runs the documented steps, literally."""
    with open(os.path.join(ROOT, "course", "how_to_run.md"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(rf"<!-- modelarts: {name} -->\s*```bash\n(.*?)```", text, re.S)
    lines = [line.split(" #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line) for line in lines if line and not line.startswith("#")]


@nox.session(python="3.11")
def modelarts(session):
    """A ModelArts-like notebook image, then course/how_to_run.md's steps on it, offline.

    The image: MindSpore 2.7.1 preinstalled, a Jupyter kernel named "mindspore" (not python3),
    the fake ``moxing`` of the tests, obs:// folders under $FAKE_OBS_ROOT. Not real ModelArts.
    """
    tmp = session.create_tmp()
    # The image, as ModelArts ships it (pytest and nbval: to drive the notebooks here).
    session.install("mindspore==2.7.1", "ipykernel", "pytest", "nbval")
    session.run("python", "-m", "ipykernel", "install", "--sys-prefix", "--name", "mindspore",
                "--display-name", "MindSpore")
    site = session.run("python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                       silent=True).strip()
    shutil.copytree(os.path.join(ROOT, "tests", "fake_moxing", "moxing"),
                    os.path.join(site, "moxing"), dirs_exist_ok=True)
    # The repository as uploaded to the instance, and the wheels fetched where there is network.
    repo = os.path.join(tmp, "lenet5-course")
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".nox", "outputs", "__pycache__", "*.egg-info", "wheelhouse"))
    session.chdir(repo)
    for command in how_to_run_block("download"):
        session.run(*command)
    # The instance: no package index at all.
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PYTHONPATH": ""}
    for command in how_to_run_block("install"):
        session.run(*command, env=offline)
    session.run("python", "-c", "import mindspore; assert mindspore.__version__ == '2.7.1', "
                "'pip replaced the image MindSpore'")
    session.run("pytest", *(os.path.relpath(p, ROOT) for p in COURSE_NOTEBOOKS),
                "--nbval-kernel-name", "mindspore", "-q", env=offline)
    # A training job: data in from OBS, results out to it.
    obs = os.path.join(tmp, "obs")
    shutil.rmtree(obs, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "MNIST"), os.path.join(obs, "bucket", "MNIST"))
    session.run("python", "main.py", "--data_url", "obs://bucket/MNIST/", "--train_url",
                "obs://bucket/out/", "--progress", "log", env={**offline, "FAKE_OBS_ROOT": obs})
    check_accuracy(session, os.path.join(obs, "bucket", "out", "metrics.json"))
