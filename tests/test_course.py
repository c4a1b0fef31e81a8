"""The lesson text in course/: one lesson per notebook, links and images that resolve."""
import glob
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



def exercises(text):
    """The numbered items of a Markdown text's "## Exercises" section."""
    section = re.search(r"^## Exercises\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return re.findall(r"^\d+\. (.+(?:\n {3}.+)*)", section.group(1), re.M) if section else []


@pytest.mark.parametrize("name", COURSE)
def test_every_lesson_has_objectives_and_the_notebooks_exercises(name):
    with open(os.path.join(COURSE_DIR, f"{name}.md"), encoding="utf-8") as f:
        lesson = f.read()
    assert re.search(r"^## Objectives\n", lesson, re.M)
    assert re.search(r"^## Exercises\n", lesson, re.M)
    nb = nbformat.read(os.path.join(NOTEBOOK_DIR, f"{name}.ipynb"), as_version=4)
    in_notebook = exercises(nb.cells[-1].source)
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

@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_links_and_images_resolve(page):
    with open(page, encoding="utf-8") as f:
        text = f.read()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets
    for target in targets:
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(COURSE_DIR, file)) if file else page
        assert os.path.exists(full), f"{os.path.basename(page)}: broken link {target}"
        if anchor and full.endswith(".md"):
            assert anchor in anchors(full), f"{os.path.basename(page)}: no #{anchor} in {file}"


def test_figures_are_the_ones_the_script_draws():
    with open(os.path.join(ROOT, "tools", "make_figures.py"), encoding="utf-8") as f:
        drawn = set(re.findall(r'"(\w+\.png)"', f.read()))
    shipped = {os.path.basename(p) for p in glob.glob(os.path.join(COURSE_DIR, "images", "*"))}
    assert shipped == drawn
    used = set()
    for page in PAGES:
        with open(page, encoding="utf-8") as f:
            used |= set(re.findall(r"\(images/(\w+\.png)\)", f.read()))
    assert used <= shipped
