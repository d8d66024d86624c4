"""An import through the real worker: `manage.py db_worker` in its own process, the
queue in the database, as `make run` and `make serve` run it (not the immediate
backend the other tests use)."""

import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from reversion.models import Version

from jobs.models import Job
from organisations.models import Organisation
from tests.coopdir.test_import import CSV, csv_bytes, ten_rows
from tests.factories import SectorFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_for_the_worker(tmp_path):
    """Yield a DATABASE_URL another process can open, holding what this test wrote;
    what the worker writes there is this test's afterwards."""
    if connection.vendor != "sqlite":
        # PostgreSQL: the test database is a database like any other.
        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        yield (
            f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}"
        )
        return
    # SQLite's test database lives in this process's memory: copied to a file for
    # the worker, and back once it has finished.
    path = tmp_path / "worker.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    yield f"sqlite:///{path}"
    with sqlite3.connect(path) as source:
        source.backup(connection.connection)


def run_the_worker(tmp_path):
    with database_for_the_worker(tmp_path) as url:
        worker = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",  # every job queued, then exit
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0",
            ],
            cwd=settings.BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "coopdir.settings",
                "DEBUG": "1",
                "LOCAL_ENV_FILE": "",
                "DATABASE_URL": url,
                "JOBS_DIR": str(settings.JOBS_DIR),
            },
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert worker.returncode == 0, worker.stderr[-3000:]
    return worker


def test_an_import_runs_through_the_real_worker(client, publisher, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    SectorFactory(name="Agriculture", slug="agriculture")
    client.force_login(publisher)

    page = client.post(
        reverse("admin:organisations_organisation_import"),
        {
            "resource": "0",
            "format": CSV,
            "import_file": SimpleUploadedFile("ten.csv", csv_bytes(ten_rows())),
        },
        follow=True,
    )
    dry = page.context["job"]
    assert dry.state == Job.State.QUEUED  # nobody ran it in this process
    assert "The job waits for the worker" in page.content.decode()

    run_the_worker(tmp_path)
    dry.refresh_from_db()
    assert (dry.state, dry.done, dry.total, dry.error) == ("done", 10, 10, "")
    assert not Organisation.objects.exists()  # a dry run
    page = client.get(dry.get_absolute_url())
    assert "Dry run: 10 to create, 0 to change, 0 rejected" in page.content.decode()

    applying = client.post(reverse("admin:jobs_job_apply", args=[dry.pk]), follow=True)
    job = applying.context["job"]
    assert (job.kind, job.state, job.dry_run) == ("import", "queued", dry)
    run_the_worker(tmp_path)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert job.report["totals"]["new"] == 10
    assert Organisation.objects.count() == 10
    # Who started the job is who imported: history and admin log.
    coop = Organisation.objects.get(name="Cooperative 3")
    assert Version.objects.get_for_object(coop).get().revision.user == publisher
    assert LogEntry.objects.filter(user=publisher).count() == 10
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Import finished: 10 new, 0 updated, 0 deleted and 0 skipped" in page
