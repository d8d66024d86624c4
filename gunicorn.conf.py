"""gunicorn's settings for coopdir (`make serve`; docs/deployment.md).

Each setting can be changed from the environment without editing this file."""

import os

# 127.0.0.1: a TLS proxy on the same machine faces the internet, never gunicorn.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# gthread: a worker's threads wait on the database and on slow clients together,
# and its main thread keeps telling the arbiter it is alive, so a long admin import
# is not killed for taking long. Threads share one core through the GIL: CPU-bound
# page rendering needs processes, two per core so one renders while one waits.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# With gthread, timeout is how long a worker may go silent, not a request's limit;
# an import of the largest file the admin accepts (10 MB) finishes well within it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "300"))
graceful_timeout = 30
keepalive = 5

# A worker is replaced after this many requests, so a slow leak cannot grow forever.
max_requests = 2000
max_requests_jitter = 200

# gunicorn believes X-Forwarded-* only from the proxies Django trusts.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")

# Signals (HUP, TERM) control the server; a control socket at one fixed path per
# user would be shared by two servers on one machine (the load test runs two).
control_socket_disable = True

accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(M)sms"
if os.environ.get("LOG_FORMAT", "json") == "json":
    # The same JSON lines as the app's own logs (coopdir/logs.py).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "coopdir.logs.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO"},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO"},
        },
    }
