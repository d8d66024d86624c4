"""Serving the production way: /healthz, request ids in JSON logs, gunicorn's
config, database pooling and the error tracker's switch."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgres://postgres@127.0.0.1:9/nowhere?connect_timeout=2"


@pytest.fixture(scope="module", autouse=True)
def collected_static(tmp_path_factory):
    """Production pages name hashed static files: collect them once, as a
    deployment does, rather than rely on what the checkout happens to hold."""
    root = tmp_path_factory.mktemp("staticfiles")
    os.environ["COOPDIR_TEST_STATIC_ROOT"] = str(root)
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    yield root
    del os.environ["COOPDIR_TEST_STATIC_ROOT"]


def production_env(**environ):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DATABASE_URL")
        and not key.startswith(
            ("DJANGO_", "SECURE_", "TRUSTED_", "SENTRY_", "LOG_", "GUNICORN_")
        )
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        DJANGO_SETTINGS_MODULE="coopdir.settings",
        LOCAL_ENV_FILE="",  # not the checkout's own var/local.env (`make run`)
        STATIC_ROOT=os.environ.get(
            "COOPDIR_TEST_STATIC_ROOT", str(ROOT / "staticfiles")
        ),
        **environ,
    )
    return env


def run_python(code, **environ):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(**environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


GET_HEALTHZ = """
import django; django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_X_REQUEST_ID="probe-0001")
print(response.status_code, response["X-Request-ID"], response.content.decode())
"""
GET_MISSING = """
import django; django.setup()
from django.test import Client
response = Client().get("/no-such-page/", secure=True, HTTP_X_REQUEST_ID="probe-0404")
print(response.status_code)
"""


@pytest.mark.django_db
def test_healthz_answers_200_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_503_and_logs_json_when_the_database_is_unreachable():
    done = run_python(GET_HEALTHZ, DATABASE_URL=UNREACHABLE)
    assert done.stdout.split(" ", 2) == [
        "503",
        "probe-0001",
        '{"database": "unreachable"}\n',
    ], done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line]
    failure = next(line for line in lines if line["logger"] == "coopdir.views")
    assert failure["level"] == "ERROR"
    assert failure["request_id"] == "probe-0001"
    assert "OperationalError" in failure["exc_info"]


def test_django_logs_a_4xx_with_its_request_id(tmp_path):
    done = run_python(GET_MISSING, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert done.stdout == "404\n", done.stderr
    [line] = [json.loads(line) for line in done.stderr.splitlines() if line]
    assert line["logger"] == "django.request" and line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["request_id"] == "probe-0404"


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    made = client.get("/robots.txt")["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert client.get("/robots.txt")["X-Request-ID"] != made
    kept = client.get("/robots.txt", HTTP_X_REQUEST_ID="0123456789abcdef")
    assert kept["X-Request-ID"] == "0123456789abcdef"
    forged = client.get("/robots.txt", HTTP_X_REQUEST_ID='x" injected\n{')
    assert len(forged["X-Request-ID"]) == 32


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_serves_with_its_config_and_logs_json_lines(tmp_path):
    port = free_port()
    env = production_env(
        PORT=str(port),
        GUNICORN_WORKERS="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "coopdir.wsgi"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, headers = fetch(
                    url + "/healthz", **{"X-Request-ID": "lb-12345"}
                )
                break
            except OSError:
                time.sleep(0.2)
        # The health probe speaks plain HTTP; everything else goes to https.
        assert status == 200 and headers["X-Request-ID"] == "lb-12345"
        status, headers = fetch(url + "/robots.txt")
        assert status == 301 and headers["Location"].startswith("https://")
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert len(lines) == len(err.splitlines())  # every line is a JSON object
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert access[0]["path"] == "/healthz" and access[0]["status"] == "200"
    assert access[0]["request_id"] == "lb-12345"
    assert access[1]["status"] == "301"
    booted = [line for line in lines if line["message"].startswith("Using worker")]
    assert booted and "gthread" in booted[0]["message"]


def test_postgresql_connections_come_from_a_pool_when_asked():
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c: c.execute('SELECT 1'); one = c.fetchone()[0]\n"
        "print(one, connection.pool.max_size, connection.settings_dict['CONN_MAX_AGE'])"
    )
    done = run_python(
        code,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        DATABASE_POOL="3",
    )
    if "Connection refused" in done.stderr:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432")
    assert done.stdout.split() == ["1", "3", "0"], done.stderr


def test_an_error_tracker_is_off_unless_configured_and_named_when_missing():
    code = "import django; django.setup(); print('started')"
    assert run_python(code).stdout == "started\n"
    done = run_python(code, SENTRY_DSN="https://key@errors.example.org/1")
    if done.returncode == 0:  # sentry-sdk is installed here: it started with it
        assert done.stdout == "started\n"
    else:
        assert "SENTRY_DSN is set but sentry-sdk is not installed" in done.stderr
