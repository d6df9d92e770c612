# The two set-up commands: `make demo` and `make test`. Both create the virtualenv,
# install the package and make sure the pinned Pulumi CLI exists (built from Go
# modules when missing; see scripts/ensure-pulumi).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PULUMI_DIR = $(shell scripts/ensure-pulumi --print-dir)

export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true

.PHONY: venv pulumi plugin demo test lint types unit bench mutate clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

pulumi: venv
	scripts/ensure-pulumi

# The provider plugin as a tarball for `pulumi plugin install resource rocketmq-migration
# <version> --file dist/pulumi-resource-rocketmq-migration-v<version>-linux-amd64.tar.gz`.
plugin: venv
	$(PY) scripts/plugin-tarball dist

demo: venv pulumi
	PATH="$(PULUMI_DIR):$(abspath $(VENV))/bin:$$PATH" $(PY) scripts/demo.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: venv
	$(VENV)/bin/mypy

test: venv pulumi lint types
	PATH="$(PULUMI_DIR):$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest -q $(PYTEST_ARGS)

bench: venv pulumi
	PATH="$(PULUMI_DIR):$(abspath $(VENV))/bin:$$PATH" $(PY) -m benchmarks $(BENCH_ARGS)

# Mutation testing of signer, client, settings, credentials, waiting, models, identifiers,
# limits, transport and listing against their fast unit tests (listed under
# [tool.mutmut] in pyproject.toml). Not part of `make test`: about 40 minutes. mutmut
# wants the package under src/, so it runs in a copy of the tree, .mutate/. The tests
# mostly wait on the emulator, so 8 mutants run at once; MUTATE_ARGS changes that.
MUTATE_DIR := .mutate
MUTATE_ARGS ?= --max-children 8

mutate: venv
	rm -rf $(MUTATE_DIR)
	mkdir -p $(MUTATE_DIR)/src
	cp -r provider/pulumi_rocketmq_migration $(MUTATE_DIR)/src/
	cp -r tests pyproject.toml $(MUTATE_DIR)/
	cd $(MUTATE_DIR) && $(abspath $(VENV))/bin/mutmut run $(MUTATE_ARGS)
	cd $(MUTATE_DIR) && $(abspath $(PY)) $(abspath scripts/mutation-score)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache $(MUTATE_DIR)
