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

.PHONY: venv pulumi plugin sdk gen-sdk gen-docs docs demo test lint types unit bench mutate clean

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

# The TypeScript and Go SDKs (issue 17), generated from schema/schema.json by
# scripts/gen_sdk.py and checked in: `make gen-sdk` writes them, `make sdk` refuses stale
# sources, type-checks and packs the npm package (dist/pulumi-rocketmq-migration-<version>.tgz)
# and builds and vets the Go module. npm and Go modules come from their caches when warm.
NPM_FLAGS := --no-audit --no-fund --prefer-offline
SDK_VERSION = $(shell $(PY) -c 'from pulumi_rocketmq_migration._version import __version__ as v; print(v)')

gen-sdk: venv
	$(PY) scripts/gen_sdk.py

sdk: venv
	$(PY) scripts/gen_sdk.py --check
	cd sdk/nodejs && npm ci $(NPM_FLAGS) && rm -rf bin && npx tsc
	mkdir -p dist
	cd sdk/nodejs && npm pack $(NPM_FLAGS) --pack-destination $(abspath dist)
	test -f dist/pulumi-rocketmq-migration-$(SDK_VERSION).tgz
	cd sdk/go/rocketmqmigration && go build ./... && go vet ./...
	cd examples/go-gate && go vet .

# The API reference, docs/reference/*.md, generated from schema/schema.json by
# scripts/gen_docs.py and checked in: `make gen-docs` writes it, `make docs` (part of
# `make test`) refuses pages that differ from what the generator writes now.
gen-docs: venv
	$(PY) scripts/gen_docs.py

docs: venv
	$(PY) scripts/gen_docs.py --check

demo: venv pulumi
	PATH="$(PULUMI_DIR):$(abspath $(VENV))/bin:$$PATH" $(PY) scripts/demo.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: venv
	$(VENV)/bin/mypy

test: venv pulumi lint types docs sdk
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
	cp -rL provider/pulumi_rocketmq_migration $(MUTATE_DIR)/src/
	cp -r tests schema pyproject.toml $(MUTATE_DIR)/
	cd $(MUTATE_DIR) && $(abspath $(VENV))/bin/mutmut run $(MUTATE_ARGS)
	cd $(MUTATE_DIR) && $(abspath $(PY)) $(abspath scripts/mutation-score)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache $(MUTATE_DIR)
