# The two commands: `make run` serves the sample session; `make test` runs the whole suite.
# Both set up everything they need on a fresh machine first (a venv from the lock file).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench setup clean

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)
	scripts/system-deps

run: $(STAMP)
	$(VENV)/bin/phienhop serve

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) bench/votes.py
	$(PY) bench/fanout.py
	$(PY) bench/minutes.py

clean:
	rm -rf $(VENV) var .pytest_cache
