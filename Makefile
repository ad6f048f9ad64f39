# Dunhuang Search: `make demo` and `make test` set up everything they need, idempotently.
# VENV may point anywhere (CI keys it by the hash of the compiled requirements under ~/.cache).
# requirements*.txt are compiled from requirements*.in with hashes (`make requirements`) and
# installed with --require-hashes; an install stamp names the hash of the files it installed.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PIP_INSTALL := $(PYTHON) -m pip install --quiet --require-hashes
RUN_HASH := $(shell cat requirements.txt | sha256sum | cut -c1-16)
DEV_HASH := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
RUN_STAMP := $(VENV)/.installed-run-$(RUN_HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(DEV_HASH)
HOST ?= 127.0.0.1:8000
export PYTHONUNBUFFERED := 1

.PHONY: venv dev-venv setup demo serve test lint stop-db vendor requirements

venv: $(RUN_STAMP)
dev-venv: $(DEV_STAMP)

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip

# The runtime set (demo, serve).
$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements.txt
	rm -f $(VENV)/.installed-run-*
	touch $@

# The runtime set plus the test and lint tools (test, lint).
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $@

setup: $(RUN_STAMP)
	$(PYTHON) manage.py migrate --noinput

demo: setup
	$(PYTHON) manage.py load_demo
	$(PYTHON) manage.py runserver $(HOST)

serve: setup
	$(PYTHON) manage.py runserver $(HOST)

lint: $(DEV_STAMP)
	$(PYTHON) -m ruff check .

test: $(DEV_STAMP) lint
	$(PYTHON) -m pytest

stop-db: $(RUN_STAMP)
	$(PYTHON) manage.py embedded_db stop

# Re-vendor the pinned front-end libraries from npm (package.json) into static/vendor/.
vendor:
	bash scripts/vendor.sh

# Recompile requirements*.txt from requirements*.in (pip-tools, in a throwaway venv), keeping
# existing pins: `make requirements ARGS="--upgrade-package ultralytics"` moves one.
requirements:
	bash scripts/compile-requirements.sh $(ARGS)
