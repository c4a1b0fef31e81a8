"""The checked exercises: every course notebook is an otter-grader master notebook; the student
versions build (tools/student.py, ``make student``); every right answer passes its checks and
every listed typical wrong answer fails with its hint, without the check showing the answer; a
student notebook runs top to bottom with its answers blank, and ``otter run`` gives full marks to
one whose answers are the worked solutions.

The right and wrong answers are in tests/exercise_answers/nbNN.py, one module per notebook (with,
where a learner may write a right answer another way, ALSO_RIGHT: those must pass too)."""
import glob
import importlib
import json
import os
import re
import sys

import nbformat
import pytest

from helpers import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import student  # noqa: E402

COURSE = sorted(os.path.basename(p) for p in student.course_notebooks())


def _questions(nb):
    """The question names of a master notebook, in order."""
    names = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "raw" and source.startswith("# BEGIN QUESTION"):
            names.append(re.search(r"^name:\s*(\S+)", source, re.M).group(1))
    return names


def _master(name):
    with open(os.path.join(ROOT, "notebooks", name), encoding="utf-8") as f:
        return json.load(f)


def _answers(name):
    return importlib.import_module(f"exercise_answers.nb{name[:2]}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("build") / "student")
    return out, student.build(out)


def test_every_course_notebook_has_checked_exercises_and_a_quiz():
    notebooks = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "notebooks", "[0-9][0-9]_*.ipynb")))
    assert COURSE == notebooks, f"without exercises: {sorted(set(notebooks) - set(COURSE))}"
    names = []
    for name in COURSE:
        questions = _questions(_master(name))
        number = int(name[:2])
        quizzes = [q for q in questions if q.startswith(f"quiz{number}_")]
        exercises = [q for q in questions if q.startswith(f"ex{number}_")]
        assert len(quizzes) >= 3 and exercises, f"{name}: {len(exercises)} exercises, {len(quizzes)} quiz questions"
        assert set(questions) == set(quizzes + exercises), f"{name}: name questions ex{number}_k or quiz{number}_k"
        names += questions
    assert len(names) == len(set(names)), "question names must be unique across the course"


def test_the_student_notebooks_have_blank_answers_checks_and_no_outputs(built):
    out, questions = built
    assert sorted(questions) == COURSE
    for name in COURSE:
        nb = nbformat.read(os.path.join(out, name), as_version=4)
        nbformat.validate(nb)
        text = "\n".join(cell.source for cell in nb.cells)
        for leftover in ("# SOLUTION", "BEGIN SOLUTION", "BEGIN TESTS", "BEGIN QUESTION", "TEST CONFIG"):
            assert leftover not in text, f"{name}: {leftover!r} left in the student version"
        assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code")
        assert nb.cells[0].cell_type == "markdown" and "otter.Notebook" in nb.cells[1].source, \
            f"{name}: the title, then the grader"
        checks = re.findall(r'grader\.check\("(\w+)"\)', text)
        assert checks == _questions(_master(name)) == questions[name], name
        for q in checks:
            assert os.path.isfile(os.path.join(out, "tests", q + ".py")), q
        assert os.path.isfile(os.path.join(out, "autograder", name.replace(".ipynb", ".zip")))


def _run(out, question, env):
    from otter.test_files import ExceptionTestFile
    test = ExceptionTestFile.from_file(os.path.join(out, "tests", question + ".py"))
    test.run(env)
    return test


def _revealing(value):
    """How a scalar answer would read if a check printed it."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 100:
        return {str(value), f"{value:,}"}
    return set()


@pytest.mark.parametrize("name", COURSE)
def test_right_answers_pass_and_typical_wrong_answers_get_their_hint(built, name):
    out, questions = built
    answers = _answers(name)
    right = answers.right()
    assert set(answers.WRONG) == set(questions[name]), f"{name}: every question needs a typical wrong answer"
    for question in questions[name]:
        result = _run(out, question, right)
        assert result.passed_all, f"{question}, the right answer:\n{result.summary()}"
        for other in getattr(answers, "ALSO_RIGHT", {}).get(question, []):
            result = _run(out, question, {**right, **other})
            assert result.passed_all, f"{question}, another right answer {other}:\n{result.summary()}"
        for wrong, hint in answers.WRONG[question]:
            env = {**right, **wrong}
            result = _run(out, question, env)
            assert not result.passed_all, f"{question} passes the wrong answer {wrong}"
            failed = [r.test_case.failure_message or "" for r in result.test_case_results if not r.passed]
            assert any(hint in message for message in failed), \
                f"{question}, wrong answer {wrong}: expected a hint with {hint!r}, got {failed}"
            shown = result.summary()
            for variable in wrong:
                for text in _revealing(right.get(variable)):
                    assert not re.search(rf"(?<![\d,.]){re.escape(text)}(?![\d,])", shown), \
                        f"{question}: the check shows the answer {text}"


def test_blank_answers_score_nothing(built):
    out, questions = built
    for name in COURSE:
        for question in questions[name]:
            assert _run(out, question, {}).grade == 0, question


def _completed(out, name):
    """A learner's notebook answered with the worked solutions (the instructor's answer cells)."""
    nb = nbformat.read(os.path.join(out, name), as_version=4)
    solutions = {c["id"]: c for c in _master(name)["cells"] if c.get("id")}
    for cell in nb.cells:
        if cell.get("id") in solutions and cell.cell_type == "code":
            cell.source = "".join(solutions[cell.id]["source"])
    return nb


@pytest.mark.slow
def test_a_student_notebook_runs_blank_and_every_check_says_what_is_missing(built):
    """Notebook 2 (seconds to run), as a learner gets it: "Run all" reaches the end."""
    from nbclient import NotebookClient

    out, questions = built
    name = "02_network.ipynb"
    nb = nbformat.read(os.path.join(out, name), as_version=4)
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src"), "LENET5_DATA": os.path.join(ROOT, "MNIST")}
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": out}})
    client.km = client.create_kernel_manager()
    client.execute(env=env)
    reports = [c.outputs[0]["data"]["text/plain"] for c in nb.cells if 'grader.check("' in c.source]
    assert len(reports) == len(questions[name]) and all("❌" in r for r in reports)


@pytest.mark.slow
def test_otter_run_grades_a_submission_as_how_to_run_says(built, tmp_path, monkeypatch):
    """Notebook 4, completed with the worked solutions, graded by `otter run` in a folder of its
    own with LENET5_DATA and LENET5_EXAMPLES (course/how_to_run.md): full marks. It trains
    notebook 3's network there (no checkpoint), reads the sample and the example drawings."""
    import otter.run

    out, questions = built
    name = "04_evaluation_and_inference.ipynb"
    submission = tmp_path / "submissions" / "learner" / name
    submission.parent.mkdir(parents=True)
    nbformat.write(_completed(out, name), str(submission))
    monkeypatch.setenv("PYTHONPATH", os.path.join(ROOT, "src"))
    monkeypatch.setenv("LENET5_DATA", os.path.join(ROOT, "MNIST"))
    monkeypatch.setenv("LENET5_EXAMPLES", os.path.join(ROOT, "examples"))
    monkeypatch.chdir(tmp_path)
    results = otter.run.main(str(submission), autograder=os.path.join(out, "autograder", name[:-6] + ".zip"),
                             output_dir=str(submission.parent), no_logo=True)
    assert results.total == results.possible == len(questions[name]), results.summary()
    with open(submission.parent / "results.json", encoding="utf-8") as f:
        assert {t["name"] for t in json.load(f)["tests"]} >= set(questions[name])


def test_how_to_run_quotes_a_real_hint(built):
    """course/how_to_run.md shows what a check answers to a wrong total: the check's own words."""
    out, _ = built
    with open(os.path.join(ROOT, "course", "how_to_run.md"), encoding="utf-8") as f:
        text = f.read()
    answer = re.search(r"`total_12 = (\d+)`", text).group(1)
    quoted = re.search(r"```\n(ex2_1 - \d+ message: .*)\n```", text).group(1)
    result = _run(out, "ex2_1", {"total_12": int(answer)})
    assert quoted in [line.strip() for line in result.summary().splitlines()]


def test_a_rebuild_keeps_a_learners_work(tmp_path):
    out = str(tmp_path / "student")
    master = os.path.join(ROOT, "notebooks", "02_network.ipynb")
    student.build(out, [master])
    student.build(out, [master])  # nothing worked on yet: replaced without a word
    path = os.path.join(out, "02_network.ipynb")
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "total_12 = ..." in c.source)
    cell.source = cell.source.replace("total_12 = ...", "total_12 = 64262")
    nbformat.write(nb, path)
    with pytest.raises(SystemExit, match=r"holds work \(02_network.ipynb\).*--force"):
        student.build(out, [master])
    assert "total_12 = 64262" in open(path, encoding="utf-8").read()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".student-")], "staging folder left"
    student.build(out, [master], force=True)
    assert "total_12 = 64262" not in open(path, encoding="utf-8").read()


@pytest.mark.parametrize("argument", ["README.md", "missing.ipynb"])
def test_the_builder_says_what_is_wrong_in_one_line(argument):
    import subprocess
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "student.py"), argument, "--out",
                          os.path.join(ROOT, "student-never-written")], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [f"error: {argument} is not a notebook with exercises"]
    assert not os.path.exists(os.path.join(ROOT, "student-never-written"))


def test_the_chinese_student_notebooks_go_to_their_own_folder(tmp_path, monkeypatch, capsys):
    """`tools/student.py --lang zh_CN` (make student): the Chinese masters of notebooks_zh/, into
    student_zh/ unless --out says otherwise; the hints stay Chinese."""
    out = tmp_path / "student_zh"
    monkeypatch.setitem(student.FOLDERS, "zh_CN", (student.FOLDERS["zh_CN"][0], str(out)))
    master = os.path.join(ROOT, "notebooks_zh", "02_network.ipynb")
    assert student.main(["--lang", "zh_CN", master]) == 0
    assert "make lab-zh" in capsys.readouterr().out
    checks = "".join(open(p, encoding="utf-8").read() for p in glob.glob(str(out / "tests" / "*.py")))
    assert re.search(r"[\u4e00-\u9fff]", checks), "the hints of the Chinese checks"
    assert (out / "02_network.ipynb").exists()
