"""A background job: an import's dry run or apply, a bulk status change, an export.

The queue (django-tasks) carries only the job's id; everything staff see about a job,
who started it, what it read and what it found or made, lives here, kept after the
queue's own row is pruned.
"""

import hashlib
import os

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class JobStorage(FileSystemStorage):
    """Files under JOBS_DIR, read when used (so a test may move it). Not the public
    media: a job's files are served only through its admin page."""

    @property
    def base_location(self):
        return settings.JOBS_DIR / "files"

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def job_storage():
    return JobStorage()


def file_sha256(field):
    """Return the SHA-256 of a stored file, or "" if it is gone."""
    digest = hashlib.sha256()
    try:
        with field.storage.open(field.name, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return ""
    return digest.hexdigest()


class Job(models.Model):
    class Kind(models.TextChoices):
        DRY_RUN = "dry_run", _("import: dry run")
        IMPORT = "import", _("import")
        STATUS = "status", _("status change")
        EXPORT = "export", _("export")

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        verbose_name=_("records of"),
        help_text=_("The kind of record the job reads or writes."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(_("run from"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    dry_run = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applied_by",
        verbose_name=_("dry run"),
        help_text=_("The dry run whose findings an import applies."),
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    upload = models.FileField(
        _("file read"),
        storage=job_storage,
        upload_to="uploads/%Y/%m/",
        max_length=300,
        blank=True,
    )
    upload_name = models.CharField(_("file name"), max_length=255, blank=True)
    upload_sha256 = models.CharField(_("file fingerprint"), max_length=64, blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    output = models.FileField(
        _("result file"),
        storage=job_storage,
        upload_to="results/%Y/%m/",
        max_length=300,
        blank=True,
    )
    output_name = models.CharField(_("result file name"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return _("%(kind)s of %(what)s #%(id)s") % {
            "kind": self.get_kind_display(),
            "what": self.content_type.model_class()._meta.verbose_name_plural,
            "id": self.pk,
        }

    def get_absolute_url(self):
        return reverse("admin:jobs_job_change", args=[self.pk])

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    # Progress lives in a cache, not in this row: an import's dry run holds its
    # transaction (on SQLite, the write lock) from its first row to its last.
    def _progress_key(self):
        return f"job-progress:{self.pk}"

    def set_progress(self, done, total=None):
        caches["jobs"].set(
            self._progress_key(), (done, self.total if total is None else total), 86400
        )

    def progress(self):
        """Return (rows done, rows in all) as far as known."""
        if self.finished:
            return self.done, self.total
        return caches["jobs"].get(self._progress_key()) or (self.done, self.total)
