# newsportal: `make run` serves the demo site, `make test` runs the whole suite.
# Both build .venv with the Python named in .python-version (pyenv's python3).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
VAR := var

# Local serving: unless SECRET_KEY is set, use a per-checkout key under var/
# (made once, never committed). Production always sets SECRET_KEY itself.
LOCAL_ENV := SECRET_KEY="$${SECRET_KEY:-$$(cat $(VAR)/secret_key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" HTTPS="$${HTTPS:-0}"

.PHONY: venv run serve test migrate demo lint bench bench-data clean loadtest

$(VENV)/.installed: requirements.txt .python-version
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(VENV)/.installed

$(VAR)/secret_key:
	mkdir -p $(VAR)
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# Prepare the database and static files the way production runs them.
migrate: venv $(VAR)/secret_key
	$(LOCAL_ENV) $(PY) manage.py migrate --noinput
	$(LOCAL_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0

demo: migrate
	@# --force: this is the demo target; load_demo refuses to run with DEBUG off otherwise.
	$(LOCAL_ENV) $(PY) manage.py load_demo --force

run: demo
	@echo ""
	@echo "  newsportal is running at http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/"
	@echo "  Demo logins: editor / newsportal-demo (Editor), penulis / newsportal-demo (Penulis)"
	@echo ""
	$(LOCAL_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Production server: gunicorn with the checked-in config, DEBUG off, whitenoise for static files.
serve: migrate
	$(LOCAL_ENV) $(VENV)/bin/gunicorn --config newsportal/gunicorn.conf.py

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(VAR)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Benchmarks (never part of make test): a 100,000-article archive in the configured
# database, and wrk against gunicorn on PostgreSQL + Redis (see README, "Performance").
bench-data: venv $(VAR)/secret_key
	$(LOCAL_ENV) $(PY) manage.py migrate --noinput
	$(LOCAL_ENV) $(PY) manage.py bench_data $(BENCH_DATA_ARGS)

bench: venv
	$(PY) -m newsportal.bench

# Load test (never part of make test): 64 readers and an editor publishing through
# the admin, against gunicorn on PostgreSQL + Redis, 60 s, on 127.0.0.1 only.
loadtest: venv
	$(PY) -m newsportal.loadtest
