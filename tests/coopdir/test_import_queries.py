"""An import's work per batch: its queries do not grow with its rows."""

import pytest
import tablib
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision, Version

from organisations.models import Organisation
from organisations.resources import OrganisationResource
from tests.coopdir.test_import import confirm, csv_bytes, dry_run
from tests.factories import OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def rows(count, **extra):
    return [
        {
            "name": f"Cooperative {n}",
            "kind": "cooperative",
            "country": "Österreich" if n % 2 else "DE",
            "countries": "FR;IT",
            "sectors": "agriculture",
            "source_url": f"https://example.org/{n % 3}",
            **extra,
        }
        for n in range(count)
    ]


@pytest.fixture
def staff(client, publisher):
    client.force_login(publisher)
    SectorFactory(name="Agriculture", slug="agriculture")
    return client


def forget_all():
    """Delete every record and its history (a new record may get an old pk)."""
    Organisation.objects.all().delete()
    Revision.objects.all().delete()


def queries_of(step):
    with CaptureQueriesContext(connection) as captured:
        response = step()
    return len(captured), response


# Django splits a bulk insert under SQLite's 999 parameters per statement: 50
# records and their versions take a few more INSERT statements than 10.
SPLIT_INSERTS = 4


def import_counting(client, content):
    """Return (queries of the dry run, of the apply) of content through the admin."""
    dry, page = queries_of(lambda: dry_run(client, content))
    assert "0 rejected" in page.content.decode()
    applied, done = queries_of(lambda: confirm(client, page))
    assert "Import finished" in done.content.decode()
    return dry, applied


def test_new_rows_cost_the_same_queries_whatever_their_number(staff):
    few = import_counting(staff, csv_bytes(rows(10)))
    forget_all()
    many = import_counting(staff, csv_bytes(rows(50)))
    assert Organisation.objects.count() == 50
    assert many[0] - few[0] <= SPLIT_INSERTS and many[1] - few[1] <= SPLIT_INSERTS
    # Still every record in a version of its own, with its countries.
    version = Version.objects.get_for_object(
        Organisation.objects.get(name="Cooperative 7")
    )
    assert version.get().revision.version_set.count() == 1 + 3  # AT, FR, IT


def test_changed_rows_cost_the_same_queries_whatever_their_number(staff):
    counts = []
    for count in (10, 50):
        forget_all()
        for n in range(count):  # records from elsewhere: no history yet
            OrganisationFactory(name=f"Cooperative {n}", slug=f"cooperative-{n}")
        changed = rows(count, summary="Changed by the file.")
        for row, n in zip(changed, range(count), strict=True):
            row["slug"] = f"cooperative-{n}"
        counts.append(import_counting(staff, csv_bytes(changed)))
        assert set(Organisation.objects.values_list("summary", flat=True)) == {
            "Changed by the file."
        }
    few, many = counts
    assert many[0] - few[0] <= SPLIT_INSERTS and many[1] - few[1] <= SPLIT_INSERTS
    # Each changed record has its state before the import, then the import's.
    record = Organisation.objects.get(slug="cooperative-42")
    comments = [
        v.revision.comment
        for v in Version.objects.get_for_object(record).order_by("pk")
    ]
    assert comments == [
        "State before the first recorded change.",
        "Imported from a file.",
    ]


def test_a_row_the_database_refuses_is_named_and_the_others_stand(staff, monkeypatch):
    # A write only the database refuses (a constraint, a lock): the bulk write
    # fails, and each row is then written alone to name the one refused.
    from organisations import importing

    write = importing.write

    def refuse_cooperative_3(resource, instances):
        if any(obj.name == "Cooperative 3" for obj in instances):
            raise IntegrityError("refused by the database")
        return write(resource, instances)

    monkeypatch.setattr(importing, "write", refuse_cooperative_3)
    result = OrganisationResource().import_data(
        tablib.Dataset().load(csv_bytes(rows(5)).decode(), "csv"),
        dry_run=True,
    )
    failed = [row for row in result.rows if row.errors]
    assert [row.object_repr for row in failed] == ["Cooperative 3"]
    assert "refused by the database" in str(failed[0].errors[0].error)
    assert result.totals["new"] == 4 and result.totals["error"] == 1
