# datavigil: the one entry point. `make demo` and `make test` create or reuse .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

export DATAVIGIL_HOME ?= $(CURDIR)
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM ?= 4

.PHONY: install demo airflow dag-test test lint bench install-check dist docs docs-build clean

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing datavigil and its dependencies into .venv (first time: a few minutes)"
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install -q --disable-pip-version-check -e ".[dev,demo,spark,spark-connect]"
	@touch $@

install: $(VENV)/.installed

demo: install
	@PATH=$(BIN):$$PATH scripts/demo.sh

# Writes .airflow/airflow.cfg (dags folder, no examples, results connection), then runs
# `airflow standalone`. In another shell: export AIRFLOW_HOME=$(CURDIR)/.airflow; airflow dags list
airflow: install
	@PATH=$(BIN):$$PATH scripts/airflow.sh standalone

# One DAG run without the scheduler: make dag-test SUITE=flights DATE=2013-02-08
# (USE_EXECUTOR=1 while `make airflow` runs: the task log then shows in the UI)
dag-test: install
	@test -n "$(SUITE)" -a -n "$(DATE)" || { echo "usage: make dag-test SUITE=<suite> DATE=YYYY-MM-DD"; exit 2; }
	@PATH=$(BIN):$$PATH scripts/airflow.sh dag-test "$(SUITE)" "$(DATE)"

# PostgreSQL tests need DATAVIGIL_TEST_PG_URL; when it is unset and PostgreSQL's binaries are
# installed, a throwaway server is started on port 55432 (scripts/start-postgres.sh).
test: install
	@if [ -z "$$DATAVIGIL_TEST_PG_URL" ] && ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then \
	  export DATAVIGIL_TEST_PG_URL=$$(scripts/start-postgres.sh | tail -n 1); \
	  echo "PostgreSQL for tests: $$DATAVIGIL_TEST_PG_URL"; fi; \
	PATH=$(BIN):$$PATH $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The image's Python environment, built for real: a clean venv, `pip install apache-airflow==X
# <project>` as the Dockerfile does, no constraints; then imports and a dags/ parse. ~8 min here.
install-check: install
	@DATAVIGIL_INSTALL_CHECK=1 $(BIN)/python -m pytest -q -m slow_install tests/test_deploy.py

# The sdist and the wheel (built from the sdist) into dist/: `pip install dist/datavigil-*.whl`
# into an existing Airflow (docs/how-to/install.md). tests/test_wheel.py builds them in `make test`.
dist: install
	@rm -rf dist && $(BIN)/python -m build --outdir dist .

lint: install
	@$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy && $(BIN)/lint-imports

# Benchmarks (benchmarks/README.md; never part of `make test`): the engine bench at 1M and 5M rows
# (BENCH_SIZES=1e6,5e6,2e7 adds 20M), the PostgreSQL bench on a private server (port 55499), the
# DAG-parse bench and the distribution benches. Data is generated once into .datavigil/bench/.
BENCH_SIZES ?= 1e6,5e6
BENCH_ROUNDS ?= 3
BENCH_TOOLS ?= floor,duckdb,pandera,datavigil
BENCH_PG_ROWS ?= 5e6
bench: install
	@BENCH_SIZES=$(BENCH_SIZES) BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_TOOLS=$(BENCH_TOOLS) \
	  BENCH_PG_ROWS=$(BENCH_PG_ROWS) BENCH_ONLY=$(BENCH_ONLY) PATH=$(BIN):$$PATH \
	  $(BIN)/python benchmarks/run.py

# The documentation site (mkdocs.yml, docs/): `make docs` serves it on http://127.0.0.1:8000 and
# rebuilds on every save; `make docs-build` builds it into site/ with --strict, as CI does.
docs: install
	@$(BIN)/python -m mkdocs serve -f mkdocs.yml

docs-build: install
	@$(BIN)/python -m mkdocs build --strict -f mkdocs.yml -d site

clean:
	rm -rf .airflow .datavigil site
