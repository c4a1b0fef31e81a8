"""The lesson text in course/: one lesson per notebook, links and images that resolve."""
import glob
import importlib.util
import os
import re

import nbformat
import pytest

from test_notebooks import COURSE, NOTEBOOK_DIR, ROOT, anchors

COURSE_DIR = os.path.join(ROOT, "course")
PAGES = sorted(glob.glob(os.path.join(COURSE_DIR, "*.md")))


def test_every_notebook_has_its_lesson_and_the_syllabus_lists_both():
    with open(os.path.join(COURSE_DIR, "README.md"), encoding="utf-8") as f:
        syllabus = f.read()
    for name in COURSE:
        assert os.path.isfile(os.path.join(COURSE_DIR, f"{name}.md"))
        assert f"]({name}.md)" in syllabus and f"](../notebooks/{name}.ipynb)" in syllabus
    for page in ("how_to_run.md", "solutions.md"):
        assert f"]({page})" in syllabus



def runner():
    """tools/run_notebooks.py as a module: it measures the times and writes the table."""
    spec = importlib.util.spec_from_file_location(
        "run_notebooks", os.path.join(ROOT, "tools", "run_notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_timing_table_is_measured_for_every_notebook_as_it_is_now():
    """The syllabus table comes from course/notebook_times.json, which tools/run_notebooks.py
    writes with a digest of each notebook's code: a notebook whose code changed since its time
    was measured (or a new one) fails here until the runner has timed it again."""
    run_notebooks = runner()
    record = run_notebooks.read_record()
    assert sorted(record) == COURSE, "time the missing notebooks: python tools/run_notebooks.py"
    for name in COURSE:
        nb = nbformat.read(os.path.join(NOTEBOOK_DIR, f"{name}.ipynb"), as_version=4)
        assert record[name]["code"] == run_notebooks.code_digest(nb), \
            f"{name} changed since it was timed: python tools/run_notebooks.py notebooks/{name}.ipynb"
    with open(os.path.join(COURSE_DIR, "README.md"), encoding="utf-8") as f:
        syllabus = f.read()
    table = re.search(r"<!-- notebook-times:start -->\n(.*?)\n<!-- notebook-times:end -->",
                      syllabus, re.S)
    assert table and table.group(1) == run_notebooks.times_table(record), \
        "the table is not the record's: python tools/run_notebooks.py --table"


def exercises(text):
    """The numbered items of a Markdown text's "## Exercises" section."""
    section = re.search(r"^## Exercises\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return re.findall(r"^\d+\. (.+(?:\n {3}.+)*)", section.group(1), re.M) if section else []


def notebook_exercises(nb):
    """A notebook's checked exercises, "**Exercise k. Title.** text", as a lesson lists them:
    "**Title.** text"."""
    found = [re.match(r"\*\*Exercise (\d+)\. (.*)", c.source, re.S) for c in nb.cells if c.cell_type == "markdown"]
    found = [m for m in found if m]
    assert [int(m.group(1)) for m in found] == list(range(1, len(found) + 1)), "exercises numbered 1, 2, ..."
    return ["**" + m.group(2) for m in found]


@pytest.mark.parametrize("name", COURSE)
def test_every_lesson_has_objectives_and_the_notebooks_exercises(name):
    with open(os.path.join(COURSE_DIR, f"{name}.md"), encoding="utf-8") as f:
        lesson = f.read()
    assert re.search(r"^## Objectives\n", lesson, re.M)
    assert re.search(r"^## Exercises\n", lesson, re.M)
    nb = nbformat.read(os.path.join(NOTEBOOK_DIR, f"{name}.ipynb"), as_version=4)
    in_notebook = notebook_exercises(nb)
    assert in_notebook
    listed = exercises(lesson)
    if listed:  # a lesson that lists its exercises lists the notebook's, word for word
        assert [" ".join(e.split()) for e in listed] == [" ".join(e.split()) for e in in_notebook]


def test_how_to_run_keeps_the_modelarts_steps_that_nox_runs():
    """noxfile.py's modelarts session runs these two blocks of commands as they are written."""
    with open(os.path.join(COURSE_DIR, "how_to_run.md"), encoding="utf-8") as f:
        text = f.read()
    for name in ("download", "install"):
        assert re.search(rf"<!-- modelarts: {name} -->\s*```bash\n\s*pip ", text), name

# the lessons, and the Chinese ones with README.zh-CN.md (built by tools/translate.py)
LINKED = PAGES + sorted(glob.glob(os.path.join(COURSE_DIR, "zh", "*.md"))) + [os.path.join(ROOT, "README.zh-CN.md")]


@pytest.mark.parametrize("page", LINKED, ids=lambda p: os.path.relpath(p, ROOT))
def test_links_and_images_resolve(page):
    with open(page, encoding="utf-8") as f:
        text = f.read()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets
    for target in targets:
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(os.path.dirname(page), file)) if file else page
        assert os.path.exists(full), f"{os.path.basename(page)}: broken link {target}"
        if anchor and full.endswith(".md"):
            assert anchor in anchors(full), f"{os.path.basename(page)}: no #{anchor} in {file}"


def test_figures_are_the_ones_the_script_draws():
    with open(os.path.join(ROOT, "tools", "make_figures.py"), encoding="utf-8") as f:
        drawn = set(re.findall(r'"(\w+\.png)"', f.read()))
    shipped = {os.path.basename(p) for p in glob.glob(os.path.join(COURSE_DIR, "images", "*.png"))}
    assert shipped == drawn
    chinese = {os.path.basename(p) for p in glob.glob(os.path.join(COURSE_DIR, "images", "zh", "*.png"))}
    assert chinese == drawn  # make_figures.py --lang zh_CN: the Chinese lessons' copies
    used = set()
    for page in PAGES:
        with open(page, encoding="utf-8") as f:
            used |= set(re.findall(r"\(images/(\w+\.png)\)", f.read()))
    assert used <= shipped


def stored_text(name):
    """Every text output a notebook stores, as one string."""
    nb = nbformat.read(os.path.join(NOTEBOOK_DIR, f"{name}.ipynb"), as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [output.get("data", {}).get(kind, "") for kind in ("text/plain", "text/markdown")]
    return "\n".join(parts)


def test_lesson_7_quotes_the_figures_notebook_7_stores():
    """Accuracies, sizes and counts in course/07_deployment.md are those of the notebook's
    stored outputs: re-running the notebook with different results fails here until the
    lesson is updated."""
    with open(os.path.join(COURSE_DIR, "07_deployment.md"), encoding="utf-8") as f:
        lesson = " ".join(re.sub(r"<!--/?fig[^>]*-->", "", f.read()).split())  # the text as shown
    out = stored_text("07_deployment")
    fp32 = re.search(r"fp32: ([\d.]+%)  ([\d,]+) bytes", out)
    int8 = re.search(r"int8: ([\d.]+%)  ([\d,]+) bytes \((\d+%) of fp32\)", out)
    changed = re.search(r"(\d+) of (\d+) predictions changed", out)
    totals = re.search(r"parameters ([\d,]+), MACs ([\d,]+), peak activations ([\d,]+) bytes in "
                       r"fp32, ([\d,]+) in int8", out)
    shares = re.search(r"the convolutions: (\d+%) of the parameters, (\d+%) of the MACs", out)
    accuracy = re.search(r"MindSpore test accuracy: ([\d.]+%)", out)
    assert all((fp32, int8, changed, totals, shares, accuracy))
    quoted = [accuracy[1], *fp32.groups(), *int8.groups(), *totals.groups(), *shares.groups()]
    for figure in quoted:
        assert figure in lesson, f"course/07_deployment.md does not quote {figure}"
    assert f"{changed[1]} of the {int(changed[2]):,} predictions changed" in lesson
    sizes = [int(fp32[2].replace(",", "")), int(int8[2].replace(",", ""))]
    smaller = f"{sizes[0] / sizes[1]:.1f} times smaller"
    header = nbformat.read(os.path.join(NOTEBOOK_DIR, "07_deployment.ipynb"), as_version=4).cells[0]
    assert smaller in lesson and smaller in header.source
