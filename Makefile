# Two commands on a fresh machine: `make run` and `make test`. `make install` is the shared first step.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# manage.py defaults to cms.settings.dev; the test targets pin cms.settings.test whatever the environment says.
TEST_ENV := DJANGO_SETTINGS_MODULE=cms.settings.test

.PHONY: install install-dev migrate demo run test test-postgres test-browser deploy-check backup restore lint messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.lock pyproject.toml
	$(PIP) install --quiet -r requirements.lock
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PIP) install --quiet -r requirements-dev.lock
	touch $@

# Runtime pins only (what `make run` and a production host need).
install: $(VENV)/.installed

# Runtime + test, lint and browser-test tools.
install-dev: $(VENV)/.installed-dev

# The database cache table is created by a migration (cms 0005), so no separate createcachetable here.
migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_schedules

# seed_demo applies the schedules itself (ensure_reference_data), so `demo` skips setup_schedules: one process less.
# migrate has just run the system checks; the later commands skip them (about 0.5 s each). Figures: bench/README.md.
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --skip-checks

# collectstatic touches no database, so it runs beside migrate and the seed (two cores); the seed prints the logins
# itself (one Django start-up less). Figures: bench/README.md.
run: install
	@$(PY) manage.py collectstatic --noinput --verbosity 0 --skip-checks & collect=$$!; \
	  $(PY) manage.py migrate --noinput && \
	  $(PY) manage.py seed_demo --skip-checks --print-logins http://$(HOST):$(PORT) && \
	  wait $$collect
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py qcluster & \
	  STATIC_COLLECTED=1 $(PY) manage.py runserver --noreload --nostatic --skip-checks $(HOST):$(PORT)

test: install-dev
	$(TEST_ENV) $(PY) -m pytest -m "not browser and not deploy" $(PYTEST_ARGS)

test-postgres: install-dev
	$(TEST_ENV) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/anjian} $(PY) -m pytest -m "not browser and not deploy" $(PYTEST_ARGS)

test-browser: install-dev
	$(TEST_ENV) $(PY) -m pytest -m browser $(PYTEST_ARGS)

# The deployment as shipped (deploy/): nginx + two gunicorns + two qclusters on PostgreSQL and Redis, on this machine,
# then the smoke and fault tests through nginx (tests/deploy, marker `deploy`). Installs nginx with apt if missing.
deploy-check: install-dev
	deploy/check.sh $(PYTEST_ARGS)

# PostgreSQL only. backup: pg_dump + the private and public files into backups/<UTC time>/ with a manifest.
# restore BACKUP=backups/<time>: into a fresh RESTORE_DATABASE_URL and empty RESTORE_PRIVATE_MEDIA_ROOT and
# RESTORE_MEDIA_ROOT, then checks row counts, the audit log, the files, `check` and a signed-in page (deploy/*.sh).
backup: install
	deploy/backup.sh

restore: install
	deploy/restore.sh "$(BACKUP)"

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=static --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) static
