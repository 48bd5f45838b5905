# Two commands do everything:  `make demo` runs the main job, `make test` runs the tests.
# Both create the virtual environment .venv first (with a Python >= 3.12 found by scripts/find-python).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup demo test lint format docs clean

$(STAMP): pyproject.toml
	@python=$$(scripts/find-python) && echo "using $$python" && $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,slurm]"
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) ## create .venv and install the package with its dev tools

demo: setup ## run the default scenario (city, 120 months) and write outputs/DATE/TIME/
	$(PY) -m sim

test: setup ## lint, then the whole test suite (warnings are errors)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .

format: setup
	$(VENV)/bin/ruff format .

docs: setup ## regenerate docs/parameters.md from the schema and configs
	$(PY) -m sim.paramdoc

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
