# One-command set-up: a virtual environment in .venv with everything the project needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run demo test lint bench screenshot compose-test chaos clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install  ## the whole system on pages.yaml, with an embedded Redis
	$(BIN)/statusmon run

demo: install  ## the whole system and its board on simulated pages playing an incident (offline)
	$(BIN)/statusmon demo

screenshot: install  ## docs/board.png: the board in Debian's chromium (apt-get install -y chromium)
	$(BIN)/python -m tests.support.screenshot docs/board.png

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## ruff, mypy, then the test suite on a real Redis and real Celery workers
	$(BIN)/python -m pytest

compose-test: install  ## docker-compose.yml run for real: 3 workers against the simulator (~5 min)
	tests/compose/run.sh

bench: install  ## the benchmark (about 6 minutes): regenerates docs/benchmarks.md
	$(BIN)/python -m bench.run --out docs/benchmarks.md

chaos: install  ## faults injected into the real system (about 7 minutes, two rows at once): docs/reliability.md
	$(BIN)/python -m bench.chaos --out docs/reliability.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache data
