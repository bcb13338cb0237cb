# One command each, on a fresh machine: the venv and the package are set up on demand.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= results/demo

# Data is read in place from ../shared when it is there (never copied into the repo).
ifneq ($(wildcard ../shared/datasets),)
export CROSSBAR_SIM_DATA ?= $(abspath ../shared/datasets)
endif
ifneq ($(wildcard ../shared/paper_data),)
export CROSSBAR_SIM_PAPER_DATA ?= $(abspath ../shared/paper_data)
endif

.PHONY: demo test test-slow test-floors bench bench-full lint notebooks fixtures venv clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m crossbar_sim.demo --out $(OUT)

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadgroup || test $$? -eq 5

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# The core dependencies at the floors setup.cfg declares, in a venv of their own, then the fast tests.
FLOORS ?= .venv-floors
test-floors:
	test -x $(FLOORS)/bin/python || python3 -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install -q --upgrade pip
	python3 tools/dependency_floors.py > $(FLOORS)/floors.txt
	$(FLOORS)/bin/python -m pip install -q --only-binary=:all: -c $(FLOORS)/floors.txt -e '.[test]'
	$(FLOORS)/bin/python -m pytest -q -n 2 --dist loadgroup || test $$? -eq 5

bench: $(STAMP)
	$(PY) -m benchmarks

bench-full: $(STAMP)
	CROSSBAR_SIM_BENCH_FULL=1 $(PY) -m benchmarks

fixtures: $(STAMP)
	$(PY) tools/make_ngspice_fixtures.py

# Store the notebooks executed, with their outputs and figures (tests re-execute them).
notebooks: $(STAMP)
	$(PY) tools/execute_notebooks.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) $(FLOORS) results build *.egg-info
