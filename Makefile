# newsportal: `make run` serves the demo site, `make test` runs the whole suite.
# Both build .venv with the Python named in .python-version (pyenv's python3): the
# runtime from requirements/base.txt, plus requirements/dev.txt for tests and lint.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
VAR := var

.PHONY: venv venv-dev lock hooks messages makemessages audit-tools audit run serve test test-fast migrate demo \
	lint bench bench-data bench-import bench-live loadtest clean

# Locked, hashed installs. .installed: the runtime (what production runs); .installed-dev:
# the runtime plus tests, lint and audit tools. A changed lock file reinstalls on the next make.
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes

$(VENV)/.installed: requirements/base.txt .python-version
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(PIP_INSTALL) -r requirements/dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

# After editing requirements/*.in: pin every transitive version, with hashes, from PyPI.
PIP_TOOLS := pip-tools==7.6.2
lock: venv
	$(PY) -m pip install --quiet --disable-pip-version-check $(PIP_TOOLS)
	cd requirements && for name in base dev; do \
		CUSTOM_COMPILE_COMMAND="make lock" ../$(VENV)/bin/pip-compile --quiet --generate-hashes \
			--strip-extras --no-emit-find-links --no-emit-index-url --output-file $$name.txt $$name.in; \
	done

# ruff check, ruff format and the migrations check before every commit (.pre-commit-config.yaml).
hooks: venv-dev
	$(VENV)/bin/pre-commit install

# Translations: the .po and compiled .mo files are committed; compile again when GNU
# gettext (msgfmt) is here, so an edited .po always reaches the site.
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --verbosity 0; \
	else echo "msgfmt (GNU gettext) not found: using the committed .mo files"; fi

# After changing UI strings: refresh locale/*/LC_MESSAGES/django.po, then translate the new entries.
makemessages: venv
	DEBUG=1 $(PY) manage.py makemessages -l id -l en --add-location=file \
		--ignore=.venv --ignore=node_modules --ignore=tests --ignore=var

# Audit tooling (Nu HTML checker, axe-core, Lighthouse) from package-lock.json. Browsers
# are never downloaded: Playwright and Lighthouse drive Debian's /usr/bin/chromium.
node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts
	touch $@

audit-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.installed; \
	else echo "npm not found: the HTML and accessibility audit tests will be skipped"; fi

# This checkout's settings: a git-ignored .env (mode 0600) with a random SECRET_KEY, the
# local host names and plain http, written once and then left as it is (edit it freely).
# newsportal/settings.py reads it, so every manage.py command works; the environment wins.
# A key made by an older checkout (var/secret_key) is kept, and so are its sessions.
.env:
	@umask 077; key=$$(cat $(VAR)/secret_key 2>/dev/null || $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))"); \
	printf '# This checkout'"'"'s local settings, written once by make (git-ignored). The environment wins.\nSECRET_KEY=%s\nALLOWED_HOSTS=127.0.0.1,localhost\nHTTPS=0\n' "$$key" > $@.tmp
	@chmod 600 $@.tmp && mv $@.tmp $@
	@echo "Wrote .env: a local SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,localhost, HTTPS=0"

# Prepare the database and static files the way production runs them. Production sets
# SECRET_KEY and ALLOWED_HOSTS itself (no .env): without them this stops right away.
migrate: venv messages
	@mkdir -p $(VAR)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

demo: .env migrate
	@# --force: this is the demo target; load_demo refuses to run with DEBUG off otherwise.
	$(PY) manage.py load_demo --force

run: .env demo
	@echo ""
	@echo "  newsportal is running at http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/"
	@echo "  Demo logins: editor / newsportal-demo (Editor), penulis / newsportal-demo (Penulis)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production server: gunicorn with the checked-in config, DEBUG off, whitenoise for static files.
serve: migrate
	$(VENV)/bin/gunicorn --config newsportal/gunicorn.conf.py

test: venv-dev messages audit-tools
	$(PY) -m pytest $(PYTEST_ARGS)

# The quick loop: no servers, browsers, audits or fresh clones (markers in pyproject.toml).
test-fast: venv-dev messages
	$(PY) -m pytest -m "not slow and not live and not browser" $(PYTEST_ARGS)

# The demo site served by gunicorn with DEBUG off, measured by the Nu HTML checker, axe-core
# (360 and 1280 px), Lighthouse (mobile), feedparser and the sitemaps.org schema. Prints the figures.
AUDIT_PORT ?= 8410
audit: .env venv-dev demo audit-tools
	$(PY) -m tests.audit_site --port $(AUDIT_PORT)

clean:
	rm -rf $(VENV) $(VAR)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run

# Benchmarks (never part of make test): a 100,000-article archive in the configured
# database, and wrk against gunicorn on PostgreSQL + Redis (see README, "Performance").
bench-data: .env venv
	@mkdir -p $(VAR)
	$(PY) manage.py migrate --noinput
	$(PY) -m tools.bench_data $(BENCH_DATA_ARGS)
	@# As an import does: what article pages read, and the pages themselves, stored up front.
	$(PY) manage.py precompute_articles --jobs $(shell nproc 2>/dev/null || echo 1)

bench: venv
	$(PY) -m tools.bench

# The WordPress importer (issue 14): a synthetic 10,000-post export with 1,000 images from a
# local folder, imported into a fresh database and then again (must be unchanged everywhere).
# Prints posts/s, images/s and peak memory; figures in var/bench-import/result.json.
# Larger: make bench-import BENCH_IMPORT_ARGS="--posts 100000 --images 10000".
bench-import: venv
	$(PY) -m tools.bench_import $(BENCH_IMPORT_ARGS)

# Live coverage (never part of make test): 1,000 readers polling one coverage's endpoint the way
# static/js/live.js does, while an editor publishes an update every 10 s through the live desk,
# against gunicorn on PostgreSQL + Redis, 60 s, 127.0.0.1 only. Prints time to reader (p50/p99),
# requests/s, bytes per poll, errors and server CPU; figures in var/bench-live/result.json.
# Smaller: make bench-live BENCH_LIVE_ARGS="--readers 100 --seconds 20".
bench-live: venv
	$(PY) -m tools.bench_live $(BENCH_LIVE_ARGS)

# Load test (never part of make test): 64 readers and an editor publishing through
# the admin, against gunicorn on PostgreSQL + Redis, 60 s, on 127.0.0.1 only.
loadtest: venv
	$(PY) -m tools.loadtest
