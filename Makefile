# coopdir: `make run` serves the directory, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_ENV := DJANGO_SETTINGS_MODULE=coopdir.test_settings

.PHONY: setup run serve test bench bench-http lint browser-deps messages local-env relevance screenshots world-map

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# Settings for manage.py typed by hand on this set-up (settings.py reads the file):
# DEBUG on and a key made here, once; var/ is git-ignored, so it is never committed.
LOCAL_ENV ?= var/local.env
$(LOCAL_ENV):
	mkdir -p $(dir $@)
	umask 077 && $(PYTHON) -c "import secrets; print('DEBUG=1'); \
	  print('SECRET_KEY=' + secrets.token_urlsafe(50))" > $@

local-env: $(LOCAL_ENV)

# The background jobs' worker (imports, large exports, bulk publishes: jobs/) runs
# beside the web server, which stays in the foreground answering on PORT; the worker
# stops with it (Ctrl-C, or the server ending), after the job it is running if any.
# In a make recipe a background process ignores Ctrl-C, hence the trap.
WITH_WORKER = trap 'exit 130' INT TERM; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
  $(PY) manage.py db_worker --no-reload \
  --verbosity $${WORKER_VERBOSITY:-1} & worker=$$!;

run: setup $(LOCAL_ENV)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_seed
	DEBUG=1 $(PY) manage.py ensure_superuser
	export DEBUG=1; $(WITH_WORKER) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production way on this machine: DEBUG off, gunicorn (gunicorn.conf.py),
# WhiteNoise's compressed hashed files, JSON logs. Plain local HTTP, so no redirect
# to https and no Secure-only cookies; a key made once for this machine, never fixed.
SERVE_ENV := DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
  SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" SECURE_COOKIES="$${SECURE_COOKIES:-0}" \
  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" PORT=$(PORT)

var/secret_key:
	mkdir -p var
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

serve: setup var/secret_key
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py load_seed
	$(SERVE_ENV) $(PY) manage.py ensure_superuser
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	export $(SERVE_ENV); $(WITH_WORKER) $(PY) -m gunicorn --config gunicorn.conf.py coopdir.wsgi

# Browser tests drive Debian's Chromium; install it when it is missing and we may.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium"; exit 1; fi; }

test: setup browser-deps
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The home, a filtered list, the ACFSMC, a mechanism and China at 1280 and 390 px, in
# English and Chinese, from the seed, into docs/screenshots/ (tests/e2e/test_screenshots.py,
# which also runs axe on each; `make test` runs the checks without saving).
screenshots: setup browser-deps
	SCREENSHOTS_DIR=docs/screenshots $(TEST_ENV) $(PY) -m pytest tests/e2e/test_screenshots.py -q -p no:cacheprovider

bench: setup
	$(TEST_ENV) $(PY) -m pytest tests/bench -s -p no:cacheprovider -o addopts="" $(BENCH_ARGS)
	$(MAKE) bench-http

# The SSE file's import through the admin (dry run, apply, the same file again) on a
# fresh SQLite database (tests/bench/imports.py; make bench runs it too).
.PHONY: bench-import
bench-import: setup
	$(TEST_ENV) $(PY) -m tests.bench.imports

# Whole HTTP responses under gunicorn beside Datasette (tests/bench/responses.py).
bench-http: setup
	$(PY) -m tests.bench.responses

# The production server under a mix of clients beside WSGI "hello", run with
# RATELIMIT_ENABLE=0 (tests/bench/loadtest.py; quick: LOADTEST_SIZE=2000 LOADTEST_SECONDS=5).
.PHONY: loadtest
loadtest: setup
	$(PY) -m tests.bench.loadtest

# The judged query set (tests/relevance/queries.yaml): MRR and recall@10 per group.
relevance: setup
	$(TEST_ENV) $(PY) -m pytest tests/relevance -s -q -p no:cacheprovider

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Refresh the Chinese catalogue from the source and compile it (needs GNU gettext:
# apt-get install gettext). Translate every new msgid, then commit the .po and .mo.
messages: setup
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv \
	  --ignore=static/vendor --ignore=fixtures --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# Rebuild the world map's shapes (static/map/) from the vendored Natural Earth data
# (static/vendor/world-atlas) with the vendored d3-geo; needs node. Its output is
# committed: pages never run it.
world-map:
	node bin/build_world_map.js
