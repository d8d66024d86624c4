"""Background jobs in the admin: the page of a job, its files, and the imports, bulk
status changes and exports that run as jobs (here on the immediate backend; the
real worker is tests/jobs/test_worker.py)."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse
from reversion.models import Version

from jobs.models import Job
from jobs.tasks import run_job
from organisations import jobs as organisation_jobs
from organisations.models import Organisation, Status
from tests.coopdir.test_import import confirm, csv_bytes, dry_run, ten_rows
from tests.factories import OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:organisations_organisation_changelist"


@pytest.fixture
def staff(client, publisher):
    client.force_login(publisher)
    SectorFactory(name="Agriculture", slug="agriculture")
    return client


def queued_job(user, **fields):
    fields.setdefault("kind", Job.Kind.DRY_RUN)
    return Job.objects.create(
        content_type=ContentType.objects.get_for_model(Organisation),
        created_by=user,
        **fields,
    )


def read_csv(response):
    text = b"".join(
        response.streaming_content if response.streaming else [response.content]
    )
    return list(csv.DictReader(io.StringIO(text.decode().lstrip("\ufeff"))))


def test_a_running_jobs_page_shows_its_progress_and_reloads_without_javascript(
    staff, publisher
):
    job = queued_job(publisher, total=40)
    page = staff.get(job.get_absolute_url()).content.decode()
    assert "waiting for the worker" in page
    assert "0 of 40" in page
    assert 'class="job-reload"' in page  # the way to see more without JavaScript
    assert 'src="/static/js/admin/job.js"' in page
    assert "<script>" not in page  # the Content-Security-Policy refuses inline code

    job.state = Job.State.RUNNING
    job.save()
    job.set_progress(12)
    status = staff.get(reverse("admin:jobs_job_status", args=[job.pk])).json()
    assert status == {
        "state": "running",
        "state_label": "running",
        "done": 12,
        "total": 40,
        "finished": False,
    }
    assert "12 of 40" in staff.get(job.get_absolute_url()).content.decode()


def test_a_finished_jobs_page_has_no_script_and_shows_what_it_found(staff):
    rows = ten_rows()[:3]
    rows[2]["country"] = "Atlantis"
    page = dry_run(staff, csv_bytes(rows))
    job = page.context["job"]
    text = page.content.decode()
    assert (job.state, job.done, job.total) == ("done", 3, 3)
    assert "job.js" not in text
    assert "Dry run: 2 to create, 0 to change, 1 rejected" in text
    assert "unknown country “Atlantis”" in text
    status = staff.get(reverse("admin:jobs_job_status", args=[job.pk])).json()
    assert (status["finished"], status["done"]) == (True, 3)


def test_an_import_reports_its_rows_as_they_are_done(staff, monkeypatch):
    monkeypatch.setattr(organisation_jobs, "PROGRESS_EVERY", 1)
    reported = []
    monkeypatch.setattr(Job, "set_progress", lambda job, done: reported.append(done))
    page = dry_run(staff, csv_bytes(ten_rows()[:3]))
    assert reported == [1, 2, 3]
    confirm(staff, page)
    assert reported == [1, 2, 3, 1, 2, 3]


def test_a_file_with_a_long_name_is_kept_under_its_name(staff):
    name = "x" * 250 + ".csv"
    job = dry_run(staff, csv_bytes(ten_rows()[:1]), name=name).context["job"]
    assert job.state == Job.State.DONE
    assert job.upload.name.endswith("xxx.csv")
    assert job.upload_name == name[:255]


def test_the_dry_runs_report_and_rejects_download_as_csv(staff):
    rows = ten_rows()[:3]
    rows[2]["country"] = "Atlantis"
    job = dry_run(staff, csv_bytes(rows)).context["job"]
    url = reverse("admin:jobs_job_download", args=[job.pk, "report"])
    report = read_csv(staff.get(url))
    assert [(r["row"], r["action"], r["name"]) for r in report] == [
        ("1", "new", "Cooperative 0"),
        ("2", "new", "Cooperative 1"),
        ("3", "invalid", "Cooperative 2"),
    ]
    assert "“Österreich” → AT (Austria)" in report[1]["notes"]
    assert "unknown country “Atlantis”" in report[2]["problems"]
    url = reverse("admin:jobs_job_download", args=[job.pk, "rejects"])
    rejects = read_csv(staff.get(url))
    assert [r["name"] for r in rejects] == ["Cooperative 2"]
    missing = reverse("admin:jobs_job_download", args=[job.pk, "output"])
    assert staff.get(missing).status_code == 404


def test_another_persons_job_is_not_shown(staff, client, editor, superuser):
    job = dry_run(staff, csv_bytes(ten_rows()[:1])).context["job"]
    client.force_login(editor)
    assert client.get(job.get_absolute_url()).status_code == 403
    url = reverse("admin:jobs_job_download", args=[job.pk, "report"])
    assert client.get(url).status_code == 403
    assert (
        client.post(reverse("admin:jobs_job_apply", args=[job.pk])).status_code == 403
    )
    assert (
        str(job)
        not in client.get(reverse("admin:jobs_job_changelist")).content.decode()
    )
    client.force_login(superuser)
    assert client.get(job.get_absolute_url()).status_code == 200


def test_an_import_refuses_a_file_changed_since_its_dry_run(staff):
    job = dry_run(staff, csv_bytes(ten_rows()[:2])).context["job"]
    stored = job.upload.path
    with open(stored, "ab") as f:
        f.write(b"Sneaked in,cooperative,DE,agriculture,\n")
    page = staff.post(reverse("admin:jobs_job_apply", args=[job.pk]), follow=True)
    assert "The uploaded file changed since the dry run" in page.content.decode()
    assert not Job.objects.filter(kind=Job.Kind.IMPORT).exists()
    assert not Organisation.objects.exists()


def test_the_worker_refuses_a_file_changed_after_the_import_was_confirmed(
    staff, publisher
):
    dry = dry_run(staff, csv_bytes(ten_rows()[:2])).context["job"]
    job = queued_job(
        publisher,
        kind=Job.Kind.IMPORT,
        dry_run=dry,
        upload=dry.upload.name,
        upload_sha256=dry.upload_sha256,
        options=dry.options,
    )
    dry.upload.storage.delete(dry.upload.name)
    dry.upload.storage.save(dry.upload.name, ContentFile(csv_bytes(ten_rows()[:3])))
    run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "The uploaded file changed since the dry run" in job.error
    assert not Organisation.objects.exists()


def test_an_editors_import_job_cannot_publish(client, editor):
    client.force_login(editor)
    rows = [{"name": "Self Published", "kind": "cooperative", "status": "published"}]
    job = dry_run(client, csv_bytes(rows)).context["job"]
    assert job.created_by == editor
    assert job.report["rejected"] == 1
    assert "only a publisher can publish" in job.report["rows"][0]["problems"]


@pytest.fixture
def few_at_once(monkeypatch):
    # Three records count as "many": the same code path as 1,740.
    monkeypatch.setattr(organisation_jobs, "JOB_INLINE_RECORDS", 2)


def test_a_bulk_publish_of_many_records_runs_as_a_job(staff, publisher, few_at_once):
    drafts = [OrganisationFactory(status=Status.DRAFT) for _ in range(3)]
    published = OrganisationFactory(status=Status.PUBLISHED)
    page = staff.post(
        reverse(CHANGELIST),
        {
            "action": "publish",
            "_selected_action": [o.pk for o in [*drafts, published]],
        },
        follow=True,
    )
    job = page.context["job"]
    assert (job.kind, job.state, job.done, job.total) == ("status", "done", 4, 4)
    assert job.created_by == publisher
    text = page.content.decode()
    assert "Published: 3 records." in text
    assert "1 record was already in that state and was left alone." in text
    assert set(Organisation.objects.values_list("status", flat=True)) == {"published"}
    # One revision per record, by who started the job.
    version = Version.objects.get_for_object(drafts[0]).latest("pk")
    assert version.revision.user == publisher
    assert version.revision.comment == "Published:"


def test_a_few_records_are_still_published_at_once(staff):
    drafts = [OrganisationFactory(status=Status.DRAFT) for _ in range(2)]
    response = staff.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [o.pk for o in drafts]},
    )
    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    assert not Job.objects.exists()


def test_a_status_job_refuses_to_publish_for_an_editor(editor):
    draft = OrganisationFactory(status=Status.DRAFT)
    job = queued_job(
        editor,
        kind=Job.Kind.STATUS,
        total=1,
        options={"action": "publish", "pks": [draft.pk]},
    )
    run_job.call(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "Only a publisher can publish" in job.error
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_large_export_runs_as_a_job_and_its_file_downloads(
    staff, few_at_once, monkeypatch
):
    monkeypatch.setattr(organisation_jobs, "PROGRESS_EVERY", 1)
    reported = []
    monkeypatch.setattr(Job, "set_progress", lambda job, done: reported.append(done))
    for name in ("Alpha Coop", "Beta Coop", "Gamma Coop"):
        OrganisationFactory(name=name)
    page = staff.post(
        reverse("admin:organisations_organisation_export"),
        {
            "format": "0",
            "resource": "0",
            "organisationresource_slug": "on",
            "organisationresource_name": "on",
        },
        follow=True,
    )
    job = page.context["job"]
    assert (job.kind, job.state, job.total) == ("export", "done", 3)
    assert job.output_name.endswith(".csv")
    response = staff.get(reverse("admin:jobs_job_download", args=[job.pk, "output"]))
    assert response["Content-Disposition"].startswith("attachment")
    names = sorted(r["Name"] for r in read_csv(response))
    assert names == ["Alpha Coop", "Beta Coop", "Gamma Coop"]
    assert reported == [1, 2, 3]  # rows done, as the job's page shows them
