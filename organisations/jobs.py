"""Imports, large exports and bulk status changes of records as background jobs.

The admin starts a job (jobs/) and shows its page; the worker calls run_job here,
which does what the admin did in the request before, with the same resources, review
step and history, as the person who started it. An import is two jobs: the dry run
keeps the uploaded file, its fingerprint and its findings (the fingerprint of each
batch of rows); the import applies that same file, refused if it changed, and stops
at the first batch that differs from what the dry run found.
"""

import hashlib
import time
from itertools import count
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from jobs.admin import file_changed, start, started
from jobs.models import Job
from jobs.tasks import Refused, sqlite_copy

from .resources import IMPORT_BATCH_ROWS, batch_digests

# A bulk action or an export over more records than this runs as a job; fewer are
# done at once (about 2 s for 200 records; 1,740 took 133 s to publish, 20 s to export).
JOB_INLINE_RECORDS = 200
# Rows between two progress reports of an import.
PROGRESS_EVERY = 25
# A pause after each committed batch, so that a save waiting for SQLite's write lock
# gets it (a waiter retries every 100 ms at most; batches back to back starved the
# admin's own session writes past the 60 s busy timeout during the SSE import).
BATCH_PAUSE = 0.2


def _text(value):
    return "" if value is None else str(value)


def findings(result):
    """Return what an import did or would do, row by row, as JSON-ready data."""
    rejects = [
        {
            "number": reject["number"],
            "name": _text(reject["name"]),
            "reasons": [
                [_text(label), [_text(t) for t in texts]]
                for label, texts in reject["reasons"]
            ],
            "values": {_text(k): _text(v) for k, v in reject["values"].items()},
        }
        for reject in getattr(result, "coopdir_rejects", [])
    ]
    rejected = {r["number"]: r for r in rejects}
    rows = []
    for number, row in enumerate(result.rows, 1):
        problems = [_text(e.error) for e in row.errors]
        if number in rejected:
            problems += [
                f"{label}: {'; '.join(texts)}" if label else "; ".join(texts)
                for label, texts in rejected[number]["reasons"]
            ]
        instance = row.instance
        rows.append(
            {
                "number": number,
                "action": "invalid" if row.is_invalid() else row.import_type,
                "name": _text(
                    row.object_repr
                    or getattr(instance, "name", "")
                    or rejected.get(number, {}).get("name")
                ),
                "notes": _text(getattr(instance, "import_notes", "")),
                "problems": "; ".join(problems),
            }
        )
    totals = {key: value for key, value in result.totals.items()}
    errors = [_text(e.error) for e in result.base_errors]
    errors += [
        _("Row %(number)d: %(error)s") % {"number": number, "error": e.error}
        for number, row_errors in result.row_errors()
        for e in row_errors
    ]
    return {
        "totals": totals,
        "rejected": len(rejects),
        "rejects": rejects,
        "rows": rows,
        "errors": errors,
        "applicable": not result.has_errors(),
        "stopped": _text(getattr(result, "coopdir_stopped", "")),
    }


class JobsMixin:
    """The admin of a kind of record, with its long work done as background jobs."""

    # --- starting -----------------------------------------------------------

    def import_action(self, request, **kwargs):
        """Check the uploaded file at once, then dry-run it as a job."""
        if request.method != "POST":
            return super().import_action(request, **kwargs)
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        dataset = None
        if form.is_valid():
            upload = form.cleaned_data["import_file"]
            data = b"".join(upload.chunks())
            try:
                dataset = self._read_dataset(form.cleaned_data["format"], data)
            except Exception as error:  # noqa: BLE001 - the format's own error, shown
                self.add_data_read_fail_error_to_form(form, error)
            else:
                if not dataset:
                    form.add_error(
                        "import_file",
                        _(
                            "No valid data to import. Ensure your file has the "
                            "correct headers or data for import."
                        ),
                    )
        if form.errors or dataset is None:
            return self._import_form_page(request, form)
        choices = {
            name: form.cleaned_data.get(name)
            for name in ("resource", "format", "import_status", "sr_as_slovakia")
        }
        job = start(
            request,
            self.model,
            Job.Kind.DRY_RUN,
            # The stored name keeps the file's end (its extension) within the field.
            upload=ContentFile(data, name=upload.name[-200:]),
            upload_name=upload.name[:255],
            upload_sha256=hashlib.sha256(data).hexdigest(),
            total=len(dataset),
            options=choices,
        )
        return started(request, job)

    def _import_form_page(self, request, form):
        resources = [
            cls(**self.get_import_resource_kwargs(request, form=form))
            for cls in self.get_import_resource_classes(request)
        ]
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "fields_list": [
                (
                    resource.get_display_name(),
                    [f.column_name for f in resource.get_user_visible_fields()],
                )
                for resource in resources
            ],
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def status_job(self, request, queryset, action):
        """Start a job for action over queryset if it is too many records to do at
        once; return its page, or None to do it now."""
        if queryset.count() <= JOB_INLINE_RECORDS:
            return None
        pks = list(queryset.order_by("pk").values_list("pk", flat=True))
        job = start(
            request,
            self.model,
            Job.Kind.STATUS,
            total=len(pks),
            options={"action": action, "pks": pks},
        )
        return started(request, job)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        total = queryset.count()
        if export_form is None or total <= JOB_INLINE_RECORDS:
            return super()._do_file_export(file_format, request, queryset, export_form)
        data = {
            key: values
            for key, values in request.POST.lists()
            if key not in ("csrfmiddlewaretoken", "export_items")
        }
        job = start(
            request,
            self.model,
            Job.Kind.EXPORT,
            total=total,
            options={
                "form": data,
                "pks": list(queryset.values_list("pk", flat=True)),
            },
        )
        return started(request, job)

    # --- running (in the worker) --------------------------------------------

    def run_job(self, job, request):
        getattr(self, f"run_{job.kind}_job")(job, request)

    def _read_dataset(self, format_index, data):
        input_format = self.get_import_formats()[int(format_index)]()
        if not input_format.is_binary():
            input_format.encoding = self.from_encoding
            data = data.decode(self.from_encoding)
        return input_format.create_dataset(data)

    def _import(self, job, request, dry_run, **kwargs):
        with job.upload.open("rb") as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() != job.upload_sha256:
            raise Refused(file_changed())
        dataset = self._read_dataset(job.options["format"], data)
        chosen = SimpleNamespace(cleaned_data=job.options)
        resource = self.choose_import_resource_class(chosen, request)(
            **self.get_import_resource_kwargs(request, form=chosen)
        )
        self._count_rows(resource, job, pause=not dry_run)
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            file_name=job.upload_name,
            user=request.user,
            retain_instance_in_row_result=True,
            **kwargs,
        )
        job.report = findings(result)
        job.done = len(result.rows)
        return result

    def _count_rows(self, resource, job, pause):
        """Report progress every PROGRESS_EVERY rows, and pause after each batch if
        pause, around the resource's own import_row (which reads and writes the
        rows, committing a batch every IMPORT_BATCH_ROWS)."""
        import_row, numbers = resource.import_row, count(1)

        def counted(*args, **kwargs):
            row_result = import_row(*args, **kwargs)
            number = next(numbers)
            if number % PROGRESS_EVERY == 0:
                job.set_progress(number)
            if pause and number % IMPORT_BATCH_ROWS == 0:
                time.sleep(BATCH_PAUSE)
            return row_result

        resource.import_row = counted

    def run_dry_run_job(self, job, request):
        with sqlite_copy():  # SQLite: other saves do not wait for the dry run
            result = self._import(job, request, dry_run=True)
        job.report["digests"] = batch_digests(result)

    def run_import_job(self, job, request):
        dry = job.dry_run
        if dry.report.get("rejects") and not job.options.get("skip_rejected"):
            raise Refused(
                _(
                    "Rows were rejected and skipping them was not confirmed: "
                    "nothing was changed."
                )
            )
        result = self._import(
            job, request, dry_run=False, dry_run_digests=dry.report["digests"]
        )
        # The messages, the admin log and post_import, as the admin gave them.
        self.process_result(result, request)

    def run_status_job(self, job, request):
        status, allowed_from, done, needs_publish = self.status_change(
            job.options["action"]
        )
        if needs_publish and not self.has_publish_permission(request):
            raise Refused(_("Only a publisher can publish or unpublish."))
        pks, changed = job.options["pks"], 0
        # One transaction per batch: the write lock is never held for long.
        for start_at in range(0, len(pks), IMPORT_BATCH_ROWS):
            batch = pks[start_at : start_at + IMPORT_BATCH_ROWS]
            with transaction.atomic():
                self._baseline(request, batch)
                selected = list(
                    self.model._default_manager.filter(pk__in=batch)
                    .select_for_update()
                    .order_by("pk")
                )
                changed += self._apply_status(
                    request, selected, status, allowed_from, done
                )
            job.done = start_at + len(batch)
            job.set_progress(job.done)
            time.sleep(BATCH_PAUSE)
        self._status_messages(request, changed, len(pks) - changed, done)

    def choose_export_resource_class(self, form, request):
        resource_class = super().choose_export_resource_class(form, request)
        job = getattr(request, "job", None)
        if job is None:
            return resource_class
        # In a job: the resource's own export, counted for the job's page.
        numbers = count(1)

        def export_resource(resource, *args, **kwargs):
            row = resource_class.export_resource(resource, *args, **kwargs)
            number = next(numbers)
            if number % PROGRESS_EVERY == 0:
                job.set_progress(number)
            return row

        return type(
            resource_class.__name__,
            (resource_class,),
            {"export_resource": export_resource},
        )

    def run_export_job(self, job, request):
        request.job = job
        formats = self.get_export_formats()
        form = self.get_export_form_class()(
            formats,
            self.get_export_resource_classes(request),
            data=self._query_dict(job.options["form"]),
        )
        if not form.is_valid():
            raise Refused(
                _("The export's choices are no longer valid: %s") % form.errors
            )
        file_format = formats[int(form.cleaned_data["format"])]()
        queryset = self.get_queryset(request).filter(pk__in=job.options["pks"])
        data = self.get_export_data(
            file_format,
            request,
            queryset,
            encoding=self.to_encoding,
            export_form=form,
        )
        name = self.get_export_filename(request, queryset, file_format)
        if isinstance(data, str):
            data = data.encode()
        job.output.save(name, ContentFile(data), save=False)
        job.output_name = name
        job.done = job.total

    @staticmethod
    def _query_dict(lists):
        query = QueryDict(mutable=True)
        for key, values in lists.items():
            query.setlist(key, values)
        return query
