# siyu: `make demo` sets everything up and runs the harvest-vs-nurture comparison;
# `make test` sets up and runs the tests. Both work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
WORKERS ?= 2

.PHONY: setup demo test test-slow bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/siyu compare scenarios/default.toml --replications 20 --workers $(WORKERS) --out reports/default
	@echo "Open reports/default/report.html in a browser."

test: setup
	$(BIN)/python -m pytest -n $(WORKERS) -q

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) runs reports/default reports/latest .pytest_cache
