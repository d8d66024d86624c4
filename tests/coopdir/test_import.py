import csv
import io
import json

import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from mechanisms.models import Mechanism
from organisations.models import Organisation, Status
from organisations.resources import (
    OrganisationResource,
    normalise_country,
    normalise_url,
    result_digest,
)
from tests.bench.imports import SSE_FILE
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db

CSV, XLSX, JSON = "0", "1", "2"


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def dry_run(client, content, name="organisations.csv", fmt=CSV, model="organisation"):
    app = "mechanisms" if model == "mechanism" else "organisations"
    url = reverse(f"admin:{app}_{model}_import")
    # The dry run is a job (run at once by the tests' immediate backend): its page.
    return client.post(
        url,
        {
            "resource": "0",
            "format": fmt,
            "import_file": SimpleUploadedFile(name, content),
        },
        follow=True,
    )


def confirm(client, page, model="organisation", **extra):
    """Apply the dry run shown on page; return the import job's page."""
    job = page.context["job"]
    return client.post(
        reverse("admin:jobs_job_apply", args=[job.pk]), extra, follow=True
    )


def ten_rows():
    return [
        {
            "name": f"Cooperative {n}",
            "kind": "cooperative",
            "country": "Österreich" if n % 2 else "DE",
            "sectors": "agriculture",
            "website": "www.example.org" if n == 1 else "",
        }
        for n in range(10)
    ]


@pytest.fixture
def staff(client, publisher):
    client.force_login(publisher)
    SectorFactory(name="Agriculture", slug="agriculture")
    return client


def test_ten_organisations_import_after_a_dry_run(staff):
    page = dry_run(staff, csv_bytes(ten_rows()))
    assert page.status_code == 200
    assert not Organisation.objects.exists()  # the dry run saves nothing
    text = page.content.decode()
    assert "Dry run: 10 to create, 0 to change, 0 rejected" in text
    assert "“Österreich” → AT (Austria)" in text
    assert "added http://" in text
    response = confirm(staff, page)
    assert "Import finished: 10 new" in response.content.decode()
    orgs = Organisation.objects.order_by("name")
    assert orgs.count() == 10
    first = orgs.get(name="Cooperative 1")
    assert first.slug == "cooperative-1"
    assert str(first.hq_country) == "AT"
    assert first.website == "http://www.example.org"
    assert first.status == Status.DRAFT
    assert [s.slug for s in first.sectors.all()] == ["agriculture"]
    assert Version.objects.get_for_object(first).count() == 1
    # The version holds the record as imported, sectors and countries included.
    version = Version.objects.get_for_object(first).get()
    assert version.field_dict["sectors"] == [first.sectors.get().pk]
    rows = {v.content_type.model for v in version.revision.version_set.all()}
    assert rows == {"organisation", "organisationcountry"}
    assert LogEntry.objects.filter(user__username="publisher").count() == 10


def test_an_export_imports_back_unchanged_in_every_format(staff):
    parent = OrganisationFactory(slug="ica", name="ICA", hq_country="BE")
    OrganisationFactory(
        slug="ica-europe",
        parent=parent,
        relation_to_parent="regional_office",
        hq_country="BE",
        countries=["FR", "DE"],
        sectors=[SectorFactory(slug="agriculture")],
    )
    resource = OrganisationResource()
    exported = resource.export()
    # Labels people read, which the import reads back as its columns.
    assert exported.headers[:3] == ["Slug", "Name", "Acronym"]
    assert "Headquarters country" in exported.headers
    row = dict(zip(exported.headers, exported[1], strict=True))
    assert row["Parent organisation"] == "ica"
    assert row["Countries of operation"] == "BE;DE;FR"
    for fmt, export_format in ((CSV, "csv"), (XLSX, "xlsx"), (JSON, "json")):
        content = exported.export(export_format)
        if isinstance(content, str):
            content = content.encode()
        page = dry_run(staff, content, name=f"export.{export_format}", fmt=fmt)
        text = page.content.decode()
        assert "Dry run: 0 to create, 0 to change, 0 rejected" in text, fmt
        assert "2 rows are the same as the stored records" in text, fmt


def test_the_admin_export_downloads_csv(staff):
    OrganisationFactory(name="Exported body")
    response = staff.post(
        reverse("admin:organisations_organisation_export"),
        {"resource": "0", "format": CSV, "organisationresource_name": "on"},
    )
    assert response.status_code == 200
    assert "Exported body" in response.content.decode()


def test_the_admin_xlsx_export_holds_the_records_rows_as_named_sheets(staff):
    import openpyxl

    from tests.factories import KeyFigureFactory, SourceFactory

    source = SourceFactory(title="Annual report 2020", url="")
    org = OrganisationFactory(name="Exported body", slug="exported", hq_country="CN")
    org.sources.set([source])
    KeyFigureFactory(organisation=org, label="Members", value=310, source=source)
    response = staff.post(
        reverse("admin:organisations_organisation_export"),
        {"resource": "0", "format": XLSX, **export_all_fields(staff)},
    )
    assert response.status_code == 200, response.content[:3000]
    assert response["Content-Type"].startswith("application/vnd"), [
        str(m) for m in response.context["messages"]
    ]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[:2] == ["Organisations", "Key figures"]
    assert "Other names" in book.sheetnames
    main = list(book["Organisations"].values)
    row = dict(zip(main[0], main[1], strict=True))
    assert row["Headquarters country"] == org.hq_country.code
    assert row["Source titles"] == "Annual report 2020"
    figures = list(book["Key figures"].values)
    figure = dict(zip(figures[0], figures[1], strict=True))
    assert figure["Organisation"] == "Exported body"
    assert figure["Label"] == "Members"
    assert figure["Source"] == "Annual report 2020"  # its title, not its id
    # What the export wrote, the import reads: the first sheet, unchanged.
    page = dry_run(staff, response.content, name="export.xlsx", fmt=XLSX)
    assert "Dry run: 0 to create, 0 to change, 0 rejected" in page.content.decode()


def test_the_admin_csv_export_is_one_table_with_readable_headers(staff):
    OrganisationFactory(name="Exported body", hq_country="BE")
    response = staff.post(
        reverse("admin:organisations_organisation_export"),
        {"resource": "0", "format": CSV, **export_all_fields(staff)},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Headquarters country"] for r in rows] == ["BE"]
    assert "hq_country" not in rows[0]
    page = dry_run(staff, response.content)
    assert "Dry run: 0 to create, 0 to change, 0 rejected" in page.content.decode()


def export_all_fields(client):
    form = client.get(reverse("admin:organisations_organisation_export")).context[
        "form"
    ]
    return {name: "on" for name in form.fields if name.startswith("organisation")}


def test_a_file_in_the_wrong_encoding_is_refused_clearly(staff):
    page = dry_run(staff, csv_bytes(ten_rows(), encoding="latin-1"))
    assert "The file is not UTF-8 text" in page.content.decode()
    assert "confirm_form" not in page.context or not page.context["confirm_form"]
    assert not Organisation.objects.exists()


def test_a_file_without_the_name_column_is_refused_clearly(staff):
    page = dry_run(staff, b"title,country\nSomething,DE\n")
    text = page.content.decode()
    assert "The file has no column “name”" in text
    assert not page.context.get("confirm_form")


def test_a_file_over_the_size_limit_is_refused_before_reading(staff):
    big = b"name,kind\n" + b"x" * (50 * 1024 * 1024)
    page = dry_run(staff, big)
    assert "The file is 50.0 MB; the limit is 10 MB" in page.content.decode()
    assert not Organisation.objects.exists()


def test_rejected_rows_are_imported_only_when_skipping_them_is_confirmed(staff):
    rows = ten_rows()[:3]
    rows[1]["country"] = "Atlantis"
    for row in rows:
        row["slug"] = "same-slug" if row is not rows[0] else "first"
    page = dry_run(staff, csv_bytes(rows))
    text = page.content.decode()
    assert "Dry run: 1 to create, 0 to change, 2 rejected" in text
    assert "unknown country “Atlantis”" in text
    assert "slug “same-slug” is also on row 2" in text
    assert page.context["apply_form"].fields["skip_rejected"].required
    refused = confirm(staff, page)
    assert "skipping them was not confirmed: nothing was changed" in (
        refused.content.decode()
    )
    assert not Organisation.objects.exists()
    page = dry_run(staff, csv_bytes(rows))
    done = confirm(staff, page, skip_rejected="on")
    assert "2 rejected rows were skipped, as confirmed" in done.content.decode()
    assert list(Organisation.objects.values_list("slug", flat=True)) == ["first"]


def test_the_import_refuses_to_do_other_than_the_dry_run_showed(staff):
    page = dry_run(staff, csv_bytes(ten_rows()[:2]))
    OrganisationFactory(slug="cooperative-0", name="Cooperative 0")
    response = confirm(staff, page)
    assert "The data changed since the dry run" in response.content.decode()
    assert Organisation.objects.count() == 1


def test_an_editor_cannot_publish_through_an_import(client, editor):
    client.force_login(editor)
    rows = [{"name": "Sneaky", "kind": "cooperative", "status": "published"}]
    page = dry_run(client, csv_bytes(rows))
    assert "only a publisher can publish" in page.content.decode()


def test_an_editor_cannot_change_a_published_record_through_an_import(client, editor):
    OrganisationFactory(slug="live", name="Live", summary="Approved")
    client.force_login(editor)
    rows = [{"slug": "live", "name": "Live", "kind": "federation", "summary": "X"}]
    page = dry_run(client, csv_bytes(rows))
    assert "is published: only a publisher may change" in page.content.decode()
    assert Organisation.objects.get(slug="live").summary == "Approved"


def test_mechanisms_import_with_countries_and_parent_by_slug(staff):
    MechanismFactory(slug="forum", name="Forum")
    rows = [
        {
            "slug": "wg-energy",
            "name": "Energy working group",
            "kind": "working_group",
            "scope": "bilateral",
            "parent": "forum",
            "countries": "CN;Suomi",
        }
    ]
    page = dry_run(staff, csv_bytes(rows), model="mechanism")
    assert "Dry run: 1 to create" in page.content.decode()
    confirm(staff, page, model="mechanism")
    group = Mechanism.objects.get(slug="wg-energy")
    assert group.parent.slug == "forum"
    assert sorted(str(c.country) for c in group.countries.all()) == ["CN", "FI"]


def test_an_unknown_parent_slug_is_named(staff):
    rows = [{"name": "Orphan", "kind": "office", "parent": "nowhere"}]
    page = dry_run(staff, csv_bytes(rows))
    assert "no organisation with slug “nowhere”" in page.content.decode()


@pytest.mark.parametrize(
    "value, code",
    [
        ("Österreich", "AT"),
        ("ÖSterreich", "AT"),
        ("England", "GB"),
        ("uk", "GB"),
        ("Ελλάδα", "GR"),
        ("Frace", "FR"),
        ("de", "DE"),
        ("", ""),
    ],
)
def test_country_values_are_normalised(value, code):
    assert normalise_country(value)[0] == code


@pytest.mark.parametrize("value", ["SR", "ABERDEEN", "Atlantis"])
def test_unknown_or_ambiguous_countries_are_refused(value):
    with pytest.raises(ValueError):
        normalise_country(value)


@pytest.mark.parametrize(
    "value, url",
    [
        ("update6", ""),
        ("poolarts@googlemail.com", ""),
        ("www.bancaetica.it", "http://www.bancaetica.it"),
        ("https://a.org https://b.org", "https://a.org"),
    ],
)
def test_website_values_are_normalised_or_dropped(value, url):
    assert normalise_url(value)[0] == url


@pytest.mark.skipif(not SSE_FILE.exists(), reason="shared/data is not beside the repo")
def test_the_real_sse_file_imports_after_a_dry_run_that_explains_every_rejection():
    data = tablib.Dataset().load(SSE_FILE.read_text(encoding="utf-8-sig"), format="csv")
    total = len(data)
    preview = OrganisationResource().import_data(
        data.subset(rows=range(total)), dry_run=True, retain_instance_in_row_result=True
    )
    assert not preview.has_errors()
    assert Organisation.objects.count() == 0
    reasons = {}
    for row in preview.invalid_rows:
        for messages in row.error_dict.values():
            for message in messages:
                reasons.setdefault(message.split("“")[0][:20], []).append(row.number)
    # Every rejection has a stated reason, and only these kinds of reason occur.
    assert set(reasons) == {"same name and countr", "", "unknown country "}
    slovak = [r for r in preview.invalid_rows if "Slovakia" in str(r.error_dict)]
    assert len(slovak) == 17
    notes = " | ".join(r.instance.import_notes for r in preview.rows if r.instance)
    assert "“Österreich” → AT (Austria)" in notes
    assert "“England” → GB (United Kingdom)" in notes
    assert "“update6” is not a web address: dropped" in notes

    result = OrganisationResource().import_data(data, dry_run=False)
    assert result_digest(result) == result_digest(preview)
    accepted = total - len(preview.invalid_rows)
    assert Organisation.objects.count() == accepted
    food_bank = Organisation.objects.get(slug="bulgarian-food-bank")
    assert str(food_bank.hq_country) == "BG"
    assert food_bank.website == ""
    assert json.dumps(result.totals) and result.totals["new"] == accepted


def test_a_confirm_sent_twice_changes_nothing_more(staff):
    page = dry_run(staff, csv_bytes(ten_rows()[:2]))
    confirm(staff, page)
    again = confirm(staff, page)
    assert again.status_code == 200
    assert "This dry run has already been used" in again.content.decode()
    assert Organisation.objects.count() == 2


def test_reimporting_an_unchanged_file_changes_nothing_and_writes_no_history(staff):
    rows = ten_rows()
    rows[0]["description"] = "First line.\r\nSecond line."
    confirm(staff, dry_run(staff, csv_bytes(rows)))
    versions = {o.pk: o.version for o in Organisation.objects.all()}
    history = (Version.objects.count(), LogEntry.objects.count())

    page = dry_run(staff, csv_bytes(rows))
    text = page.content.decode()
    assert "Dry run: 0 to create, 0 to change, 0 rejected" in text
    assert "10 rows are the same as the stored records" in text
    response = confirm(staff, page)
    assert response.status_code == 200
    assert (Version.objects.count(), LogEntry.objects.count()) == history
    assert {o.pk: o.version for o in Organisation.objects.all()} == versions


def test_a_row_changing_only_its_countries_is_not_skipped(staff):
    org = OrganisationFactory(slug="ica", name="ICA", hq_country="BE", countries=["FR"])
    exported = OrganisationResource().export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    assert row["Countries of operation"] == "BE;FR"
    row["Countries of operation"] = "BE;FR;DE"
    page = dry_run(staff, csv_bytes([row]))
    assert "Dry run: 0 to create, 1 to change, 0 rejected" in page.content.decode()
    confirm(staff, page)
    assert sorted(str(c.country) for c in org.countries.all()) == ["BE", "DE", "FR"]


def test_an_unchanged_record_without_history_gets_no_baseline_from_an_import(staff):
    OrganisationFactory(slug="ica", name="ICA", hq_country="BE")
    content = OrganisationResource().export().export("csv").encode()
    confirm(staff, dry_run(staff, content))
    assert not Version.objects.exists()
    assert not LogEntry.objects.exists()


def test_an_import_applies_in_batches_and_says_where_it_stopped(staff, monkeypatch):
    monkeypatch.setattr("organisations.resources.IMPORT_BATCH_ROWS", 2)
    page = dry_run(staff, csv_bytes(ten_rows()[:5]))
    # Someone adds row 4's record after the dry run: the second batch differs.
    OrganisationFactory(slug="cooperative-3", name="Cooperative 3")
    response = confirm(staff, page)
    text = response.content.decode()
    assert (
        "Rows 3 to 4 were not imported because the data changed since the dry run"
        in text
    )
    assert "2 rows before them were imported as the dry run showed" in text
    assert "Import finished: 2 new" in text
    names = set(Organisation.objects.values_list("name", flat=True))
    assert names == {"Cooperative 0", "Cooperative 1", "Cooperative 3"}
    # The batches applied are searchable (indexed with their batch).
    from coopdir.search import engine

    imported = Organisation.objects.get(name="Cooperative 1")
    assert engine.indexed_tags(Organisation, imported.pk)


def test_duplicates_are_found_on_the_country_as_read_and_blank_countries_noted(staff):
    rows = [
        {"name": "Coop Shop", "kind": "cooperative", "country": "UK"},
        {"name": "Coop Shop", "kind": "cooperative", "country": "England"},
        {"name": "No Country", "kind": "cooperative", "country": ""},
    ]
    text = dry_run(staff, csv_bytes(rows)).content.decode()
    assert "Dry run: 2 to create, 0 to change, 1 rejected" in text
    assert "same name and country as row 1" in text
    assert "no country given" in text


def test_sr_is_read_as_slovakia_only_when_chosen(staff):
    rows = [{"name": "Bratislava Coop", "kind": "cooperative", "country": "SR"}]
    resource = OrganisationResource()
    refused = resource.import_data(
        tablib.Dataset().load(csv_bytes(rows).decode()), dry_run=True
    )
    assert len(refused.invalid_rows) == 1
    chosen = OrganisationResource(sr_as_slovakia=True).import_data(
        tablib.Dataset().load(csv_bytes(rows).decode()),
        dry_run=True,
        retain_instance_in_row_result=True,
    )
    assert not chosen.invalid_rows
    assert "read as Slovakia (SK)" in chosen.rows[0].instance.import_notes


def test_the_status_and_the_reading_of_sr_are_chosen_at_import(staff):
    rows = [
        {"name": "Bratislava Coop", "kind": "cooperative", "country": "SR"},
        {"name": "Vienna Coop", "kind": "cooperative", "country": "AT"},
    ]
    url = reverse("admin:organisations_organisation_import")
    page = staff.post(
        url,
        {
            "resource": "0",
            "format": CSV,
            "import_file": SimpleUploadedFile("sk.csv", csv_bytes(rows)),
            "import_status": "review",
            "sr_as_slovakia": "on",
        },
        follow=True,
    )
    assert "Dry run: 2 to create, 0 to change, 0 rejected" in page.content.decode()
    confirm(staff, page)
    imported = Organisation.objects.order_by("name")
    assert [(o.name, str(o.hq_country), o.status) for o in imported] == [
        ("Bratislava Coop", "SK", "review"),
        ("Vienna Coop", "AT", "review"),
    ]


def test_imported_records_are_drafts_unless_chosen_otherwise(staff):
    confirm(staff, dry_run(staff, csv_bytes(ten_rows()[:1])))
    assert Organisation.objects.get().status == Status.DRAFT


def test_rejected_rows_are_named_with_field_labels_and_downloadable(staff):
    rows = ten_rows()[:2]
    rows[1]["country"] = "Atlantis"
    page = dry_run(staff, csv_bytes(rows))
    text = page.content.decode()
    assert "<strong>Cooperative 1</strong>" in text
    assert "Headquarters country: unknown country “Atlantis”" in text
    reasons = text.split('class="rejected-reasons"')[1].split("</ul>")[0]
    assert "hq_country" not in reasons
    link = reverse("admin:jobs_job_download", args=[page.context["job"].pk, "rejects"])
    assert f'href="{link}"' in text
    download = staff.get(link)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    content = download.content.decode().lstrip("\ufeff")
    rejected = list(csv.DictReader(io.StringIO(content)))
    assert [(r["name"], r["hq_country"]) for r in rejected] == [
        ("Cooperative 1", "Atlantis")
    ]
    assert "unknown country" in rejected[0]["rejected because"]


def test_the_mechanisms_export_names_its_sheets_and_columns(seeded):
    from mechanisms.resources import MechanismResource

    resource = MechanismResource()
    main = resource.export()
    assert main.title == "Mechanisms"
    assert "Parent mechanism" in main.headers
    sheets = {sheet.title: sheet for sheet in resource.extra_sheets()}
    assert set(sheets) == {"Figures", "Other names", "Secretariats", "Participants"}
    headers = sheets["Secretariats"].headers
    assert headers[:3] == ["Mechanism", "Slug", "Host organisation"]
    hosts = [row["Host organisation"] for row in sheets["Secretariats"].dict]
    # Organisations by name, not by id.
    assert hosts and not any(str(host).isdigit() for host in hosts)
