# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup system-deps compiled-messages app-ready run test lint format messages bench check-deploy clean

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

# Browser libraries come from npm (package-lock.json) and are served by the portal itself: no CDN at run time.
node_modules/.installed: package.json package-lock.json
	command -v npm >/dev/null 2>&1 || ./scripts/system-deps.sh
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/hls.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/hls.js/dist/hls.min.js node_modules/hls.js/dist/hls.min.js.map static/vendor/

setup: $(VENV)/.installed static/vendor/hls.min.js

system-deps:
	./scripts/system-deps.sh

# Compiled message catalogues (Babel compiles them; no system gettext needed at run time).
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | setup
	$(VENV)/bin/pybabel compile --use-fuzzy -d locale -D django -l $* >/dev/null

compiled-messages: locale/fr/LC_MESSAGES/django.mo locale/nl/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.mo

app-ready: setup system-deps compiled-messages
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput >/dev/null
	$(MANAGE) seed_brussels --demo --cameras 8000 --audit-events 20000 --credentials-out data/demo-credentials.json

run: app-ready
	@$(MANAGE) demo_logins --host http://$(HOST):$(PORT)
	@trap 'kill 0' INT TERM EXIT; \
	  $(VENV)/bin/celery -A config worker --loglevel INFO --pool threads --concurrency 4 & \
	  $(VENV)/bin/celery -A config beat --loglevel INFO & \
	  $(MANAGE) demo_cameras & \
	  $(MANAGE) run_relay & \
	  $(MANAGE) run_recorder & \
	  $(MANAGE) runserver $(HOST):$(PORT) --noreload

test: setup system-deps compiled-messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/deptry .
	$(MANAGE) makemigrations --check --dry-run >/dev/null
	$(VENV)/bin/pytest

# Style, the apps' layers ([tool.importlinter]) and dependencies as declared ([tool.deptry]).
lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/deptry .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the catalogues after changing user-facing strings (needs GNU gettext).
messages: setup
	$(MANAGE) makemessages -l fr -l nl -l en --no-location --ignore=.venv --ignore=data --ignore=node_modules

check-deploy: setup
	SECRET_KEY=$$(head -c 48 /dev/urandom | base64) PORTAL_SIGNING_KEY=check PORTAL_ENCRYPTION_KEYS=check \
	  ALLOWED_HOSTS=portal.example DJANGO_SETTINGS_MODULE=config.settings.prod \
	  $(MANAGE) check --deploy --fail-level WARNING

bench: setup
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) data staticfiles node_modules static/vendor
