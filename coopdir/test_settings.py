"""Test-only tweaks on top of the real settings."""

from coopdir.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
    },
}
# Jobs run at once, in the test's own transaction; tests/jobs/test_worker.py runs
# one through the real worker (db_worker) against the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "anon": "10000/min",
        "user": "10000/min",
        "writes": "10000/min",
    },
}
# Every test client is 127.0.0.1: limits the tests of them lower (test_throttling.py).
PAGE_RATE = "10000/m"
AXES_ENABLED = True
# Tests speak plain HTTP; tests/coopdir/test_deploy.py checks the production value.
SECURE_SSL_REDIRECT = False
# Whole pages kept between requests would hide what most tests look at (a view's
# queries, the page rate limit): tests/coopdir/test_page_cache.py turns it on.
PAGE_CACHE_SECONDS = 0
