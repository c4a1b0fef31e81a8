"""Build the student notebooks from the instructor's (``make student``).

    python tools/student.py                    # every notebook with exercises -> student/
    python tools/student.py --out DIR          # somewhere else
    python tools/student.py notebooks/02_network.ipynb
    python tools/student.py --force            # replace a student/ that holds a learner's work
    python tools/student.py --lang zh_CN       # the Chinese notebooks (notebooks_zh/) -> student_zh/

The notebooks in notebooks/ are the instructor's: executed, with the answers, under nbval. Each
is also an otter-grader "master notebook": its exercises and quiz questions sit between raw
``# BEGIN QUESTION`` / ``# END QUESTION`` cells, with the answer between ``# BEGIN SOLUTION`` /
``# END SOLUTION`` and its checks between ``# BEGIN TESTS`` / ``# END TESTS``. ``otter assign``
turns each into a student notebook (answers replaced by ``...``, checks replaced by
``grader.check("ex2_1")`` cells, outputs cleared) and an autograder zip for the instructor.

The student folder holds:
    NN_name.ipynb          the notebooks a learner opens (next to notebooks/, so ../MNIST works)
    tests/                 the checks the notebooks' grader.check cells run
    autograder/NN_name.zip what `otter run` grades a submitted notebook with (course/how_to_run.md)
It is built in a temporary folder and then put in place, so an error leaves the old one whole;
a folder with a learner's work in it (a notebook that ran or was edited) is kept unless --force.
"""
import argparse
import glob
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
STUDENT = os.path.join(ROOT, "student")
# Per language: the instructor's notebooks and the student folder beside them.
FOLDERS = {"en": (NOTEBOOKS, STUDENT),
           "zh_CN": (os.path.join(ROOT, "notebooks_zh"), os.path.join(ROOT, "student_zh"))}
CONFIG_MARK = "# ASSIGNMENT CONFIG"


def has_exercises(path):
    """Whether a notebook is an otter master notebook (its first raw cell configures otter)."""
    try:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not a notebook
    return any(c["cell_type"] == "raw" and "".join(c["source"]).startswith(CONFIG_MARK) for c in cells)


def course_notebooks(folder=NOTEBOOKS):
    return [p for p in sorted(glob.glob(os.path.join(folder, "[0-9][0-9]_*.ipynb"))) if has_exercises(p)]


def _init_cell_after_title(path):
    """otter puts its `grader = otter.Notebook(...)` cell first; the lesson's title comes first."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = nb["cells"]
    if cells and cells[0]["cell_type"] == "code" and "otter.Notebook" in "".join(cells[0]["source"]):
        init = cells.pop(0)
        title = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
        cells.insert(title + 1, init)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def assign(master, out):
    """Run otter assign on one master notebook; put its student notebook, tests and autograder
    zip into ``out``. Returns the question names."""
    import otter.assign

    name = os.path.splitext(os.path.basename(master))[0]
    with tempfile.TemporaryDirectory() as tmp:
        result = os.path.join(tmp, "dist")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's missing-cell-id notice, about otter's own cells
            try:
                otter.assign.main(master, result, no_pdfs=True, no_run_tests=True)
            except Exception as error:  # otter's own message says which cell is wrong
                raise SystemExit(f"error: otter assign failed on {name}: {error}") from None
        student = os.path.join(result, "student")
        os.makedirs(os.path.join(out, "tests"), exist_ok=True)
        questions = []
        for test in sorted(glob.glob(os.path.join(student, "tests", "*.py"))):
            target = os.path.join(out, "tests", os.path.basename(test))
            if os.path.exists(target):
                raise SystemExit(f"error: question {os.path.basename(test)[:-3]} of {name} "
                                 "is already another notebook's: question names must be unique")
            shutil.copy(test, target)
            questions.append(os.path.basename(test)[:-3])
        notebook = os.path.join(out, name + ".ipynb")
        shutil.copy(os.path.join(student, name + ".ipynb"), notebook)
        _init_cell_after_title(notebook)
        (zipped,) = glob.glob(os.path.join(result, "autograder", "*.zip"))
        os.makedirs(os.path.join(out, "autograder"), exist_ok=True)
        shutil.copy(zipped, os.path.join(out, "autograder", name + ".zip"))  # no timestamp in the name
    return questions


def _sources(path):
    """What a learner can change in a notebook: its code and text, and whether it ran."""
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    ran = any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code")
    return ran, ["".join(c["source"]) for c in cells]


def learners_work(out, staging):
    """The notebooks of an existing student folder that a learner has worked in: run, or
    changed from what the new build would write. A rebuild must not throw that work away."""
    worked = []
    for path in sorted(glob.glob(os.path.join(out, "*.ipynb"))):
        fresh = os.path.join(staging, os.path.basename(path))
        ran, sources = _sources(path)
        if ran or not os.path.exists(fresh) or sources != _sources(fresh)[1]:
            worked.append(os.path.basename(path))
    return worked


def build(out=STUDENT, masters=None, force=False, lang="en"):
    """Build the student folder ``out`` from ``masters`` (default: every notebook with exercises
    in ``lang``'s folder). An existing folder is replaced only if no learner's work is in it, or
    with ``force``."""
    masters = course_notebooks(FOLDERS[lang][0]) if masters is None else masters
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".student-", dir=parent)
    try:
        built = {os.path.basename(m): assign(m, staging) for m in masters}
        if os.path.isdir(out):
            worked = learners_work(out, staging)
            if worked and not force:
                raise SystemExit(f"error: {os.path.relpath(out)}/ holds work ({', '.join(worked)}): "
                                 "move it elsewhere, or rebuild with --force to replace it")
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return built


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="master notebooks (default: all with exercises)")
    parser.add_argument("--lang", choices=sorted(FOLDERS), default="en",
                        help="zh_CN: the Chinese notebooks, into student_zh/")
    parser.add_argument("--out", help="the student folder (default: student/, student_zh/)")
    parser.add_argument("--force", action="store_true",
                        help="replace the student folder even if a learner has worked in it")
    args = parser.parse_args(argv)
    try:
        import otter  # noqa: F401
    except ImportError:
        print("error: otter-grader is not installed: pip install -e '.[notebooks]'", file=sys.stderr)
        return 2
    for path in args.notebooks:
        if not os.path.isfile(path) or not has_exercises(path):
            print(f"error: {path} is not a notebook with exercises", file=sys.stderr)
            return 2
    logging.getLogger("otter").setLevel(logging.ERROR)
    out = args.out or FOLDERS[args.lang][1]
    built = build(out, [os.path.abspath(p) for p in args.notebooks] or None, args.force, args.lang)
    for notebook, questions in built.items():
        print(f"{notebook}: {len(questions)} checked questions")
    lab = "make lab-zh" if args.lang == "zh_CN" else "make lab"
    print(f"student notebooks in {os.path.relpath(out)}/: open them in JupyterLab ({lab})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
