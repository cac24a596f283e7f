# One-command set-up: a virtual environment in .venv with everything the project needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run test lint bench chaos clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install  ## the whole system on pages.yaml, with an embedded Redis
	$(BIN)/statusmon run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## ruff, mypy, then the test suite on a real Redis and real Celery workers
	$(BIN)/python -m pytest

bench: install  ## the benchmark (about 6 minutes): regenerates docs/benchmarks.md
	$(BIN)/python -m bench.run --out docs/benchmarks.md

chaos: install  ## faults injected into the real system (about 11 minutes): docs/reliability.md
	$(BIN)/python -m bench.chaos --out docs/reliability.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache data
