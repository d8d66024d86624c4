"""Staff's view of background jobs: a page per job with its progress and findings,
its files to download, and the step from an import's dry run to applying it."""

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Job, file_sha256
from .tasks import enqueue

# Rows of a dry run listed on its page; the report download has every row.
ROWS_SHOWN = 500


def start(request, model, kind, **fields):
    """Create a job of kind for records of model, started by request's user, and
    queue it in the same transaction."""
    options = {"language": getattr(request, "LANGUAGE_CODE", "en")}
    options.update(fields.pop("options", {}))
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            content_type=ContentType.objects.get_for_model(model),
            created_by=request.user,
            options=options,
            **fields,
        )
        enqueue(job)
    return job


def started(request, job):
    """Redirect to job's page, saying it was started."""
    messages.info(
        request,
        _("“%(job)s” was started; this page shows how far it is.") % {"job": job},
    )
    return redirect(job.get_absolute_url())


class ApplyForm(forms.Form):
    skip_rejected = forms.BooleanField(
        required=False,
        label=gettext_lazy("Skip the rejected rows and import the others"),
        error_messages={
            "required": gettext_lazy(
                "Rows were rejected and skipping them was not confirmed: "
                "nothing was changed."
            )
        },
    )

    def __init__(self, *args, rejected=0, **kwargs):
        super().__init__(*args, **kwargs)
        if rejected:
            self.fields["skip_rejected"].required = True
        else:
            self.fields["skip_rejected"].widget = forms.HiddenInput()


def csv_download(name, header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(
        "\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "progress_display", "created_by", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["content_type", "created_by"]
    date_hierarchy = "created_at"

    # --- who sees what: their own jobs; a superuser everyone's -------------

    def get_queryset(self, request):
        jobs = super().get_queryset(request)
        if request.user.is_superuser:
            return jobs
        return jobs.filter(created_by=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return (
            obj is None or request.user.is_superuser or obj.created_by == request.user
        )

    def has_add_permission(self, request):
        return False  # jobs are started from the import, export and action pages

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and (obj is None or obj.finished)

    @admin.display(description=gettext_lazy("rows done"))
    def progress_display(self, job):
        done, total = job.progress()
        return f"{done} / {total}" if total else "—"

    # --- pages --------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/status/", wrap(self.status_view), name="jobs_job_status"),
            path(
                "<int:pk>/download/<str:what>/",
                wrap(self.download_view),
                name="jobs_job_download",
            ),
            path("<int:pk>/apply/", wrap(self.apply_view), name="jobs_job_apply"),
            *super().get_urls(),
        ]

    def _job(self, request, pk):
        job = get_object_or_404(
            Job.objects.select_related("content_type", "created_by", "dry_run"), pk=pk
        )
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        try:
            pk = int(object_id)
        except ValueError:
            raise Http404(_("No such job.")) from None
        return self.job_page(request, self._job(request, pk))

    def job_page(self, request, job, apply_form=None, status=200):
        done, total = job.progress()
        report = job.report or {}
        applied = job.applied_by.order_by("pk").first()
        if apply_form is None and self._may_apply(request, job, applied):
            apply_form = ApplyForm(rejected=len(report.get("rejects", [])))
        context = {
            **self.admin_site.each_context(request),
            "title": str(job),
            "opts": self.opts,
            "job": job,
            "done": done,
            "total": total,
            "report": report,
            "rows": report.get("rows", [])[:ROWS_SHOWN],
            "rows_hidden": max(len(report.get("rows", [])) - ROWS_SHOWN, 0),
            "applied": applied,
            "apply_form": apply_form,
            "records_url": self._records_url(job),
        }
        return TemplateResponse(request, "admin/jobs/job.html", context, status=status)

    def _records_url(self, job):
        opts = job.content_type.model_class()._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def _may_apply(self, request, job, applied):
        return (
            job.kind == Job.Kind.DRY_RUN
            and job.state == Job.State.DONE
            and job.report.get("applicable")
            and applied is None
            and job.created_by == request.user
        )

    def status_view(self, request, pk):
        job = self._job(request, pk)
        done, total = job.progress()
        return JsonResponse(
            {
                "state": job.state,
                "state_label": job.get_state_display(),
                "done": done,
                "total": total,
                "finished": job.finished,
            },
            headers={"Cache-Control": "no-store"},
        )

    def download_view(self, request, pk, what):
        job = self._job(request, pk)
        report = job.report or {}
        if what == "output" and job.output:
            return FileResponse(
                job.output.open("rb"), as_attachment=True, filename=job.output_name
            )
        if what == "report" and "rows" in report:
            name = f"import-report-{job.pk}.csv"
            header = [_("row"), _("action"), _("name"), _("notes"), _("problems")]
            rows = [
                [r["number"], r["action"], r["name"], r["notes"], r["problems"]]
                for r in report["rows"]
            ]
            return csv_download(name, header, rows)
        if what == "rejects" and report.get("rejects"):
            rejects = report["rejects"]
            header = list(rejects[0]["values"])
            rows = [
                [
                    *(reject["values"].get(h, "") for h in header),
                    "; ".join(
                        f"{label}: {'; '.join(texts)}" if label else "; ".join(texts)
                        for label, texts in reject["reasons"]
                    ),
                ]
                for reject in rejects
            ]
            return csv_download(
                f"rejected-rows-{job.pk}.csv", [*header, "rejected because"], rows
            )
        raise Http404(_("This job has no such file."))

    @transaction.atomic
    def apply_view(self, request, pk):
        """Apply a dry run's findings: an import job over the same stored file."""
        if request.method != "POST":
            return redirect(reverse("admin:jobs_job_change", args=[pk]))
        job = self._job(request, pk)
        # Locked: a confirm sent twice starts one import.
        Job.objects.select_for_update().filter(pk=job.pk).first()
        applied = job.applied_by.first()
        if applied is not None:
            messages.error(
                request,
                _(
                    "This dry run has already been used or has expired; nothing was "
                    "changed. Upload the file again."
                ),
            )
            return redirect(applied.get_absolute_url())
        if not self._may_apply(request, job, None):
            raise PermissionDenied
        model = job.content_type.model_class()
        if not self.admin_site.get_model_admin(model).has_import_permission(request):
            raise PermissionDenied
        form = ApplyForm(request.POST, rejected=len(job.report.get("rejects", [])))
        if not form.is_valid():
            return self.job_page(request, job, apply_form=form, status=400)
        if file_sha256(job.upload) != job.upload_sha256:
            messages.error(request, str(file_changed()))
            return redirect(job.get_absolute_url())
        applying = start(
            request,
            model,
            Job.Kind.IMPORT,
            dry_run=job,
            upload=job.upload.name,
            upload_name=job.upload_name,
            upload_sha256=job.upload_sha256,
            total=job.total,
            options={
                **job.options,
                "skip_rejected": form.cleaned_data["skip_rejected"],
            },
        )
        return started(request, applying)


def file_changed():
    return _(
        "The uploaded file changed since the dry run: nothing was changed. "
        "Upload it again for a new dry run."
    )
