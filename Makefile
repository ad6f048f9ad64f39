# Dunhuang Search: `make demo` and `make test` set up everything they need, idempotently.
# VENV may point anywhere (CI keys it by the hash of requirements.txt under ~/.cache).
VENV ?= .venv
PYTHON := $(VENV)/bin/python
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-16)
STAMP := $(VENV)/.installed-$(REQ_HASH)
HOST ?= 127.0.0.1:8000
export PYTHONUNBUFFERED := 1

.PHONY: venv setup demo serve test lint stop-db vendor

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)
	$(PYTHON) manage.py migrate --noinput

demo: setup
	$(PYTHON) manage.py load_demo
	$(PYTHON) manage.py runserver $(HOST)

serve: setup
	$(PYTHON) manage.py runserver $(HOST)

lint: $(STAMP)
	$(PYTHON) -m ruff check .

test: $(STAMP) lint
	$(PYTHON) -m pytest

stop-db: $(STAMP)
	$(PYTHON) manage.py embedded_db stop

# Re-vendor the pinned front-end libraries from npm (package.json) into static/vendor/.
vendor:
	bash scripts/vendor.sh
