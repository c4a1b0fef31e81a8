# The two commands of the README work on a fresh machine: they create .venv on first use.
#   make train   train LeNet5 on the shipped MNIST sample (ARGS="--recipe accurate" for more)
#   make test    install the test tools and run every test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: train test bench clean

train: $(VENV)/.installed
	$(PY) main.py $(ARGS)

test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) bench/epoch_time.py

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf outputs .pytest_cache MNIST/*/.lenet5
