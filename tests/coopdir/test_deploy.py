"""Production settings: `check --deploy` is clean and HTTPS is trusted only from
a trusted proxy."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"ALLOWED_HOSTS": "directory.example.org"}


def run(*args, **environ):
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is no production setting.
        if key != "DEBUG"
        and not key.startswith(("DJANGO_", "SECURE_", "TRUSTED_", "SENTRY_"))
    }
    # LOCAL_ENV_FILE: not the checkout's own var/local.env, which `make run` writes.
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50), LOCAL_ENV_FILE="", **PRODUCTION, **environ
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def production_settings(*names, **environ):
    done = run(
        "-c",
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))",
        DJANGO_SETTINGS_MODULE="coopdir.settings",
        **environ,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_check_deploy_is_clean_with_production_settings():
    done = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_production_sends_hsts_for_a_year_and_redirects_to_https():
    found = production_settings(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "LANGUAGE_COOKIE_SAMESITE",
    )
    assert found == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }


def test_hsts_and_the_redirect_are_settable():
    found = production_settings(
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_PRELOAD="1",
        SECURE_SSL_REDIRECT="0",
    )
    assert found == {
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": False,
    }
    done = run("manage.py", "check", SECURE_HSTS_SECONDS="a year")
    assert done.returncode != 0
    assert "SECURE_HSTS_SECONDS must be a whole number" in done.stderr


def test_the_forwarded_scheme_is_believed_only_behind_a_trusted_proxy():
    alone = production_settings("SECURE_PROXY_SSL_HEADER")
    assert alone == {"SECURE_PROXY_SSL_HEADER": None}
    proxied = production_settings(
        "SECURE_PROXY_SSL_HEADER", TRUSTED_PROXIES="10.0.0.0/8"
    )
    assert proxied == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}
