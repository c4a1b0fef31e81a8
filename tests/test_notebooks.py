"""The committed course notebooks: executed, clean, linked, and built on the package.

nbval itself (``pytest`` runs notebooks/*.ipynb with --nbval) re-runs every notebook and
compares its outputs; these tests check what nbval does not.
"""
import ast
import glob
import importlib
import inspect
import json
import os
import pkgutil
import re
import subprocess
import sys

import nbformat
import pytest

import lenet5

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK_DIR = os.path.join(ROOT, "notebooks")
COURSE = ["01_environment_and_data", "02_network", "03_training",
          "04_evaluation_and_inference", "05_experiments", "06_inside_the_network",
          "07_deployment", "08_draw_a_digit", "09_from_scratch", "10_lenet1998",
          "11_int8_by_hand"]
PATHS = sorted(glob.glob(os.path.join(NOTEBOOK_DIR, "*.ipynb")))
TRAINS = re.compile(r"\b(lenet5\.train|run_trial|train_step)\(")


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def package_names():
    """The public functions and classes defined in any module of the lenet5 package."""
    names = set()
    for info in pkgutil.walk_packages(lenet5.__path__, "lenet5."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                    and obj.__module__ == module.__name__):
                names.add(name)
    return names


def defined_names(source):
    """Functions and classes a code cell defines: def/class anywhere, or a name = lambda."""
    code = "\n".join(line for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))  # IPython magics
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            yield from (t.id for t in node.targets if isinstance(t, ast.Name))


def test_the_course_notebooks_are_all_there():
    assert [os.path.basename(p)[:-6] for p in PATHS] == COURSE


@pytest.mark.parametrize("number,name", enumerate(COURSE, 1))
def test_course_notebooks_start_the_same_way(number, name):
    """The header of 01-08: title, "notebook k of N" with links to its lesson and the syllabus,
    what you will do; then a first code cell that imports lenet5 before anything else (lesson 1
    says so) and sets DATA as course/how_to_run.md says."""
    nb = read(os.path.join(NOTEBOOK_DIR, f"{name}.ipynb"))
    header = nb.cells[0]
    assert header.cell_type == "markdown"
    assert re.match(rf"# {number} · \S", header.source)
    assert (f"*LeNet5 on MNIST with MindSpore — notebook {number} of {len(COURSE)}.* "
            f"Lesson text: [course/{name}.md](../course/{name}.md) · "
            "[syllabus](../course/README.md)") in header.source
    assert re.search(r"^1\. ", header.source, re.M), "a numbered list of what the notebook does"
    first = code_cells(nb)[0].source
    assert first.startswith("import lenet5  # first"), first[:60]
    assert 'DATA = os.environ.get("LENET5_DATA", "../MNIST")' in first  # how_to_run.md
    assert "plots.use_style()" in first


def test_package_names_cover_the_whole_package():
    names = package_names()
    assert {"LeNet5", "create_dataset", "train", "evaluate", "layer_table", "MLP",
            "confusion_matrix", "run_trial", "digit_grid"} <= names


@pytest.mark.parametrize("source,found", [
    ("class LeNet5(nn.Cell):\n    pass", ["LeNet5"]),
    ("%matplotlib inline\ndef create_dataset(path):\n    return path", ["create_dataset"]),
    ("evaluate = lambda net, ds: 1.0", ["evaluate"]),
    ("class TrainStep:\n    def construct(self):\n        pass", ["TrainStep", "construct"]),
    ("probabilities = lenet5.predict(net, x)", []),
])
def test_defined_names_finds_definitions(source, found):
    assert list(defined_names(source)) == found


@pytest.mark.parametrize("path", PATHS, ids=os.path.basename)
def test_notebook_uses_the_package_and_redefines_none_of_it(path):
    nb = read(path)
    sources = [c.source for c in code_cells(nb)]
    assert any(re.search(r"^import lenet5\b", s, re.M) for s in sources)
    clashes = {name for s in sources for name in defined_names(s)} & package_names()
    assert not clashes, f"{os.path.basename(path)} defines package names: {sorted(clashes)}"


@pytest.mark.parametrize("path", PATHS, ids=os.path.basename)
def test_notebook_is_committed_executed_and_clean(path):
    nb = read(path)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert "version" not in nb.metadata.language_info  # no Python patch version noise
    cells = code_cells(nb)
    assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), \
        "run it top to bottom with `make notebooks`"
    for cell in cells:
        assert set(cell.metadata) <= {"tags"}, "timings or other run metadata left in"
        for output in cell.outputs:
            assert output.output_type != "error"
            text = output.get("data", {}).get("text/plain", "")
            if output.output_type == "execute_result":
                assert not re.search(r"<(matplotlib\.\S+|Figure)", text), \
                    "a plot cell returns a figure object: end it with plt.show()"
            if text.startswith("<Figure"):
                assert "image/png" in output.data
            assert len(output.get("data", {}).get("image/png", "")) < 150_000, "keep images small"
    assert os.path.getsize(path) < 400_000


def test_the_python3_kernel_exists_in_this_environment():
    from jupyter_client.kernelspec import KernelSpecManager
    assert "python3" in KernelSpecManager().find_kernel_specs()


@pytest.mark.parametrize("path", PATHS, ids=os.path.basename)
def test_training_cells_ignore_their_numbers_and_assert_thresholds(path):
    cells = code_cells(read(path))
    for cell in cells:
        if TRAINS.search(cell.source):
            assert "# NBVAL_IGNORE_OUTPUT" in cell.source, cell.source[:80]
    if any(TRAINS.search(c.source) for c in cells):
        assert any(re.search(r"assert .*accuracy.*> 0\.9", c.source) for c in cells)


def anchors(markdown_path):
    """GitHub's anchors for the headings of a Markdown file."""
    with open(markdown_path, encoding="utf-8") as f:
        headings = re.findall(r"^#+ (.+)$", f.read(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("name", COURSE)
def test_course_notebooks_end_with_exercises(name):
    """The last sections are the checked exercises and the quiz (tests/test_exercises.py)."""
    cells = read(os.path.join(NOTEBOOK_DIR, f"{name}.ipynb")).cells
    start = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and re.search(r"^## Exercises", c.source, re.M)]
    assert len(start) == 1, f"{name}: one '## Exercises' section"
    assert "../course/solutions.md#" in cells[start[0]].source
    headings = [h for c in cells[start[0] + 1:] if c.cell_type == "markdown" for h in re.findall(r"^## .*", c.source, re.M)]
    assert headings == ["## Quiz"], f"{name}: after the exercises only the quiz, got {headings}"


@pytest.mark.parametrize("path", PATHS, ids=os.path.basename)
def test_skipped_cells_store_no_output(path):
    """nbval never checks a "# NBVAL_SKIP" cell, so its output must not be stored (notebook 8's
    frame of a server on a port that stops existing with the kernel: tools/run_notebooks.py
    drops it); nor may any output point at such a server."""
    for cell in code_cells(read(path)):
        if "# NBVAL_SKIP" in cell.source:
            assert cell.outputs == [], cell.source[:80]
        for output in cell.outputs:
            assert not re.search(r"<iframe[^>]*127\.0\.0\.1", str(output.get("data", {}))), \
                "an IFrame of a local server is stored: mark its cell # NBVAL_SKIP"


# the English notebooks and the Chinese ones (notebooks_zh/, built by tools/translate.py)
LINKED = PATHS + sorted(glob.glob(os.path.join(ROOT, "notebooks_zh", "*.ipynb")))


@pytest.mark.parametrize("path", LINKED, ids=lambda p: os.path.relpath(p, ROOT))
def test_links_resolve(path):
    nb = read(path)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for target in re.findall(r"\]\(([^)\s]+)\)", cell.source):
            if target.startswith(("http://", "https://")):
                continue
            file, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(path), file))
            assert os.path.exists(full), f"broken link {target}"
            if anchor:
                assert anchor in anchors(full), f"no heading for #{anchor} in {file}"


def setup_cells(nb):
    """A notebook's first code cells, up to the one that calls setup_device (imports, set-up)."""
    cells = code_cells(nb)
    last = next(i for i, c in enumerate(cells) if "setup_device(" in c.source)
    return [c.source for c in cells[:last + 1]]


RERUN = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for cells in json.load(sys.stdin):
    for attempt in (1, 2):  # a student runs the set-up cells, then runs them again
        for source in cells:
            result = shell.run_cell(source)
            if not result.success:
                raise SystemExit(f"failed on run {attempt}: {source.splitlines()[0]}")
print("set-up cells ran twice")
"""


@pytest.mark.parametrize("path", PATHS, ids=os.path.basename)
def test_setup_cells_run_again_in_the_same_kernel(path):
    """Re-running the set-up cell is what students do all the time: MindSpore refuses to set
    its CPU thread counts twice in one process, so setup_device must cope."""
    proc = subprocess.run([sys.executable, "-c", RERUN],
                          input=json.dumps([setup_cells(read(path))]),
                          cwd=NOTEBOOK_DIR, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MPLBACKEND": "Agg",
                               "PYTHONPATH": os.path.join(ROOT, "src")})
    assert proc.returncode == 0 and "set-up cells ran twice" in proc.stdout, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
