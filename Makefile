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

.PHONY: venv dev-venv setup demo serve dev test lint stop-db backup vendor requirements

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

# migrate, then count the palettes of murals ingested before palettes existed (a no-op after)
setup: $(RUN_STAMP)
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py mural_palettes

GUNICORN := $(VENV)/bin/gunicorn -c dunhuang_search/gunicorn_conf.py

# The demo and the site are served by gunicorn (WEB_WORKERS, WEB_THREADS); `make dev` is
# Django's development server, which reloads on code changes.
demo: setup
	$(PYTHON) manage.py load_demo
	HOST=$(HOST) $(GUNICORN)

serve: setup
	HOST=$(HOST) $(GUNICORN)

dev: setup
	$(PYTHON) manage.py runserver $(HOST)

# A backup folder under var/backups/ (database dump, manifest and copies of the data files).
backup: setup
	$(PYTHON) manage.py backup var/backups/backup-$$(date -u +%Y%m%dT%H%M%SZ) --with-files

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
