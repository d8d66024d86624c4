# coopdir: `make run` serves the directory, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_ENV := DJANGO_SETTINGS_MODULE=coopdir.test_settings

.PHONY: setup run test bench bench-http lint browser-deps messages

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(VENV)/.installed

run: setup
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_seed
	DEBUG=1 $(PY) manage.py ensure_superuser
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

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

bench: setup
	$(TEST_ENV) $(PY) -m pytest tests/bench -s -p no:cacheprovider -o addopts="" $(BENCH_ARGS)
	$(MAKE) bench-http

# Whole HTTP responses under gunicorn beside Datasette (tests/bench/responses.py).
bench-http: setup
	$(PY) -m tests.bench.responses

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Refresh the Chinese catalogue from the source and compile it (needs GNU gettext:
# apt-get install gettext). Translate every new msgid, then commit the .po and .mo.
messages: setup
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv \
	  --ignore=static/vendor --ignore=fixtures --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv
