PY ?= .venv/bin/python

demo:        ## build the demo store and show it
	$(PY) -m walaa demo

test:        ## the whole suite (PostgreSQL half needs WALAA_TEST_POSTGRES_URL)
	$(PY) -m pytest

lint:        ## style, types and the import contracts that keep the domain pure
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench
	$(PY) -m mypy
	.venv/bin/lint-imports

bench:       ## benchmarks on PostgreSQL, printed as side-by-side ratios
	$(PY) bench/ledger_throughput.py

.PHONY: demo test lint bench
