"""SECRET_KEY: required to serve; a clean checkout can still be checked offline."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **environ):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    env.update(environ)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_serving_without_a_secret_key_is_refused():
    done = run(
        "-c",
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = "
        "'coopdir.settings'; import coopdir.wsgi",
    )
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr
    done = run("manage.py", "migrate", "--plan")
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr


def test_the_migrations_can_be_checked_without_a_secret_key():
    done = run("manage.py", "makemigrations", "--check", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "No changes detected" in done.stdout


def test_a_bad_io_concurrency_is_refused_by_name():
    for value in ("lots", "-1", "1001"):
        done = run("manage.py", "check", DATABASE_IO_CONCURRENCY=value)
        assert done.returncode != 0
        assert "DATABASE_IO_CONCURRENCY must be a whole number" in done.stderr
        assert repr(value) in done.stderr
