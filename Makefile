# Kizuna — `make run` serves the product with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean

install: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@bash scripts/install.sh
	@touch $(STAMP)

run: install
	@bash scripts/run.sh

test: install
	@bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: install
	@ls bench/*.py 2>/dev/null | sed 's/^/  /' || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) var/test-artifacts
