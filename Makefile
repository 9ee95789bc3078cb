# siyu: `make demo` sets everything up and runs the harvest-vs-nurture comparison;
# `make test` sets up and runs the tests. Both work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
WORKERS ?= 2

.PHONY: setup demo test test-slow test-endtoend test-reference test-interrupts validate validate-full bench clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/siyu compare scenarios/default.toml --replications 20 --workers $(WORKERS) --out reports/default --force
	@echo "Open reports/default/report.html in a browser."

# Debian's chromium for the report's browser tests (playwright drives it; no browser download)
browser:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && apt-get install -y -qq chromium; \
	else echo "chromium missing and cannot apt-get install it (not root or no apt): browser tests will be skipped"; fi; }

test: setup browser
	$(BIN)/python -m pytest -n $(WORKERS) -q

test-slow: setup
	$(BIN)/python -m pytest -q -m slow

# the engine against the per-agent reference model, in distribution (a few minutes; CI runs it)
test-reference: setup
	$(BIN)/python -m pytest -n $(WORKERS) -q -m reference

# Ctrl-C and SIGKILL during the commands, at random and at chosen moments, and the
# workers a killed command leaves (about two minutes; CI runs it)
test-interrupts: setup
	$(BIN)/python -m pytest -n $(WORKERS) -q -m interrupts

# the shipped scenarios' full-size calibration, the example notebooks and the live
# explorer in a browser (about three minutes; CI runs it)
test-endtoend: setup browser
	$(BIN)/python -m pytest -n $(WORKERS) -q -m endtoend

# the model-validation battery at CI size (exit 1 when any check fails); validate-full: full size
validate: setup
	$(BIN)/siyu validate-model --quick --workers $(WORKERS) --out reports/validation-quick

validate-full: setup
	$(BIN)/siyu validate-model --workers $(WORKERS) --out reports/validation

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) runs reports/default reports/latest reports/validation-quick .pytest_cache
