# Two commands do everything:  `make demo` runs the main job, `make test` runs the tests.
# Both create the virtual environment .venv first (with a Python >= 3.12 found by scripts/find-python).
# While editing, `make test-fast` runs the fast lane: every test not marked slow, in under a minute.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup demo test test-fast lint format docs clean report dashboard

$(STAMP): pyproject.toml
	@python=$$(scripts/find-python) && echo "using $$python" && $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,slurm,sensitivity,dashboard,reproduce]"
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) ## create .venv and install the package with its dev tools

DEMO_DIR = outputs/demo/$(shell date +%Y-%m-%d_%H-%M-%S)

demo: setup ## policy_comparison (every scenario, city, 120 months, 5 seeds), then its report
	$(PY) -m sim -m experiment=policy_comparison "seed=range(5)" hydra.sweep.dir=$(DEMO_DIR)
	$(PY) -m sim.report $(DEMO_DIR)

test: setup ## lint, then the whole test suite (warnings are errors), a test file per core
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n auto --dist loadfile

test-fast: setup ## the fast lane for the edit loop (under a minute): tests not marked slow, fewer property examples
	HYPOTHESIS_PROFILE=fast $(PY) -m pytest -n auto --dist loadfile -m "not slow"

report: setup ## write DIR/report.html for a sweep or run directory: make report DIR=outputs/...
	@test -n "$(DIR)" || { echo "error: DIR is not set: make report DIR=path/to/sweep_or_run" >&2; exit 2; }
	$(PY) -m sim.report "$(DIR)"

dashboard: setup ## the live dashboard at http://localhost:5006 (offline; PORT=N for another port; Ctrl-C stops it)
	$(PY) -m sim.dashboard --port $(or $(PORT),5006)

lint: setup
	$(VENV)/bin/ruff check .

format: setup
	$(VENV)/bin/ruff format .

docs: setup ## regenerate docs/parameters.md from the schema and configs
	$(PY) -m sim.dev.paramdoc

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist  # build/: pip install . leaves it, and a later install would ship its stale files
