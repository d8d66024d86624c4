"""The one task the queue runs: a Job, done by the admin of the records it is about.

The work itself belongs to the record's ModelAdmin (its `run_job(job, request)`), which
already knows its resources, formats and review rules; this layer imports no app.
"""

import logging
import os
import sqlite3
import tempfile
from contextlib import closing, contextmanager

from django.conf import settings
from django.contrib import admin
from django.contrib.messages import constants
from django.db import connections
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Job

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A job that may not go on, with the reason staff read on its page."""


class Collected(list):
    """The admin's messages of a job, kept as (level tag, text) in its report."""

    def add(self, level, message, extra_tags=""):
        self.append([constants.DEFAULT_TAGS.get(level, "info"), str(message)])


class JobRequest:
    """What the admin's methods read of a request, for the work a job does.

    The person who started the job is its user: permissions, the review step, the
    history and the admin log all see them, in the worker as on the page.
    """

    method = "POST"

    def __init__(self, user, language="en"):
        self.user = user
        self.LANGUAGE_CODE = language
        self.GET = QueryDict()
        self.POST = QueryDict()
        self.META = {"REMOTE_ADDR": "127.0.0.1"}
        self.COOKIES = {}
        self._messages = Collected()

    def build_absolute_uri(self, location=""):
        return location

    def get_full_path(self):
        return ""


@contextmanager
def sqlite_copy():
    """Run the block against a copy of the SQLite database, then drop the copy.

    A dry run writes every row and rolls them all back at its end: on the database
    itself it would hold SQLite's write lock throughout, and every save by someone
    else would wait for it (failing past the 60 s busy timeout). On the copy it holds
    none; the import then checks each batch against what the dry run found. Elsewhere
    (PostgreSQL, or a caller already in a transaction, as tests are) it runs as is.
    """
    connection = connections["default"]
    name = str(connection.settings_dict["NAME"])
    if (
        connection.vendor != "sqlite"
        or connection.in_atomic_block
        or connection.is_in_memory_db()
    ):
        yield
        return
    folder = settings.JOBS_DIR / "copies"
    folder.mkdir(parents=True, exist_ok=True)
    fd, copy = tempfile.mkstemp(suffix=".sqlite3", dir=folder)
    os.close(fd)
    try:
        connection.ensure_connection()
        with closing(sqlite3.connect(copy)) as target:
            connection.connection.backup(target)
        connection.close()
        connection.settings_dict["NAME"] = copy
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        os.unlink(copy)


def enqueue(job):
    """Queue job (saved in the caller's transaction: both are written or neither)."""
    run_job.enqueue(job.pk)


@task()
def run_job(job_id):
    # Claimed once: a job the queue hands out twice is not run twice.
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = Job.objects.select_related("content_type", "created_by").get(pk=job_id)
    request = JobRequest(job.created_by, job.options.get("language", "en"))
    model = job.content_type.model_class()
    try:
        with translation.override(request.LANGUAGE_CODE):
            admin.site.get_model_admin(model).run_job(job, request)
        job.state = Job.State.DONE
    except Refused as refusal:
        job.state, job.error = Job.State.FAILED, str(refusal)
    except Exception as error:
        # Kept on the job's page; the traceback goes to the worker's log.
        logger.exception("job %s failed", job_id)
        job.state = Job.State.FAILED
        job.error = _("The job stopped on an error: %(error)s") % {
            "error": f"{type(error).__name__}: {error}"[:500]
        }
    job.report.setdefault("messages", []).extend(request._messages)
    job.finished_at = timezone.now()
    job.save()
