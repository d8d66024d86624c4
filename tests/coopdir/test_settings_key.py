"""SECRET_KEY: required to serve; a clean checkout can still be checked offline."""

import os
import re
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
    env["LOCAL_ENV_FILE"] = ""  # not the checkout's own var/local.env
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


def test_the_readme_commands_run_as_written_on_a_make_run_set_up(tmp_path):
    """`make run` writes a local settings file that manage.py reads, so the
    README's commands need no DEBUG or SECRET_KEY typed before them."""
    local_env = tmp_path / "local.env"
    made = subprocess.run(
        [
            "make",
            "-s",
            "local-env",
            f"LOCAL_ENV={local_env}",
            "PYTHON=" + sys.executable,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    text = local_env.read_text()
    assert "DEBUG=1" in text and re.search(r"^SECRET_KEY=\S{40,}$", text, re.M)
    assert local_env.stat().st_mode & 0o077 == 0  # readable by its owner only
    again = subprocess.run(
        ["make", "-s", "local-env", f"LOCAL_ENV={local_env}"], cwd=ROOT
    )
    assert again.returncode == 0 and local_env.read_text() == text  # kept

    setup = {
        "LOCAL_ENV_FILE": str(local_env),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for command in (
        ["migrate", "--noinput"],
        ["ensure_superuser"],
        ["changepassword", "nobody"],  # settings load: the user is what is missing
        ["issue_api_token", "admin"],
        ["axes_reset"],
        ["rebuild_search_index"],
        ["export_directory", str(tmp_path / "backup.json")],
    ):
        done = run("manage.py", *command, **setup)
        assert "SECRET_KEY" not in done.stderr, (command, done.stderr)
        if command[0] == "changepassword":
            assert "user 'nobody' does not exist" in done.stderr, done.stderr
        else:
            assert done.returncode == 0, (command, done.stderr)
    assert (tmp_path / "backup.json").exists()

    # Without the file, the same command is refused as before.
    done = run(
        "manage.py", "changepassword", "nobody", DATABASE_URL=setup["DATABASE_URL"]
    )
    assert "SECRET_KEY must be set" in done.stderr
