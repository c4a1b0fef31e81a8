# The two commands of the README work on a fresh machine: they create .venv on first use.
#   make train   train LeNet5 on the shipped MNIST sample (ARGS="--recipe accurate" for more)
#   make test    install the test tools and run every test (unit tests, then the notebooks)
#   make lab     open the course notebooks in JupyterLab (http://127.0.0.1:8888)
#   make lab-zh  中文版：在 JupyterLab 中打开中文 Notebook（notebooks_zh/）
#   make student build the learner's notebooks into student/ (and student_zh/): exercises blank,
#                checks in place (tools/student.py; it keeps a folder that holds a learner's work)
#   make notebooks  execute the notebooks in place, then bring the figures the lessons quote up to
#                   date (tools/figures.py), build the Chinese edition from i18n/zh_CN/
#                   (tools/translate.py) and execute its notebooks (commit the result);
#                   make figures: course/images (and course/images/zh, Chinese labels)
#   make book    build the course website into _build/book/ (tools/book.py, in seconds: the
#                notebooks' stored outputs, nothing executed or downloaded); the Chinese edition
#                goes to _build/book/zh/. Serve it: python3 -m http.server -d _build/book
#   make solutions  run the worked solutions' code (tools/solutions_*.py, a few minutes), then
#                   bring the numbers course/solutions.md quotes up to date (tools/figures.py)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=
# make test runs on two pytest-xdist workers (tests/conftest.py groups the tests per file and the
# notebooks together); XDIST= runs it on one.
XDIST ?= -n 2 --dist loadfile

.PHONY: train test bench lab lab-zh student book notebooks solutions figures clean

train: $(VENV)/.installed
	$(PY) main.py $(ARGS)

test: $(VENV)/.installed-test
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) bench/epoch_time.py

lab: $(VENV)/.installed-test
	$(PY) -m jupyterlab --ServerApp.ip=127.0.0.1 --ServerApp.default_url=/lab/tree/notebooks

lab-zh: $(VENV)/.installed-test
	$(PY) -m jupyterlab --ServerApp.ip=127.0.0.1 --ServerApp.default_url=/lab/tree/notebooks_zh

student: $(VENV)/.installed-test
	$(PY) tools/student.py
	$(PY) tools/student.py --lang zh_CN

book: $(VENV)/.installed-book
	$(PY) tools/book.py

notebooks: $(VENV)/.installed-test
	$(PY) tools/run_notebooks.py
	$(PY) tools/figures.py
	$(PY) tools/translate.py build
	$(PY) tools/run_notebooks.py --no-record notebooks_zh/*.ipynb

solutions: $(VENV)/.installed-test
	for script in tools/solutions_*.py; do $(PY) $$script || exit 1; done
	$(PY) tools/figures.py
	$(PY) tools/translate.py build

figures: $(VENV)/.installed-test
	$(PY) tools/make_figures.py
	$(PY) tools/make_figures.py --lang zh_CN

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-book: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[book]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf outputs notebooks/outputs notebooks_zh/outputs .pytest_cache MNIST/*/.lenet5 _build
