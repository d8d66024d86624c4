"""The counts of the home page, the sector list and the country list: right, and
read from the totals the index keeps on write rather than from the records."""

import pytest

from mechanisms.models import Mechanism
from organisations.models import Organisation, Status
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed():
    farming = SectorFactory(slug="farming", name="Farming")
    banking = SectorFactory(slug="banking", name="Banking")
    SectorFactory(slug="dairy", name="Dairy", parent=farming)
    both = OrganisationFactory(
        sectors=[farming, banking], countries=["FI", "SE"], hq_country="FI"
    )
    OrganisationFactory(sectors=[farming], countries=["FI"], hq_country="FI")
    OrganisationFactory(
        sectors=[farming], countries=["FI"], hq_country="FI", status=Status.DRAFT
    )
    MechanismFactory(sectors=[farming], countries=["FI", "CN"])
    MechanismFactory(sectors=[farming, banking], countries=["FI"])
    return both


def sector_counts(sectors):
    return {s.slug: (s.n_org, s.n_mech) for s in sectors}


def test_home_counts_published_records_once_each(client, filed):
    context = client.get("/").context
    assert context["organisation_count"] == 2
    assert context["mechanism_count"] == 2
    # Two organisations and two mechanisms in farming: one count each, however
    # many records share its rows (the grouped join multiplied them).
    assert sector_counts(context["sectors"]) == {"banking": (1, 1), "farming": (2, 2)}
    assert [(r["value"], r["count"]) for r in context["kind_counts"]["mechanism"]] == [
        (Mechanism.Kind.BUSINESS_COUNCIL, 2)
    ]
    # Organisations and mechanisms, as the regions below and the map count them.
    assert [(r["value"], r["count"]) for r in context["countries"]] == [
        ("FI", 4),
        ("CN", 1),
        ("SE", 1),
    ]
    assert {r["value"]: r["count"] for r in context["regions"]} == {
        "europe": 4,
        "asia-pacific": 1,
    }


def test_home_counts_come_from_the_totals_kept_on_write(client, filed):
    # An update() bypasses the index: the page still shows what the index counted,
    # so it read no records to count them.
    Organisation.objects.update(status=Status.DRAFT)
    context = client.get("/").context
    assert context["organisation_count"] == 2
    assert sector_counts(context["sectors"])["farming"] == (2, 2)


def test_sector_list_counts_every_sector_from_the_totals(client, filed):
    tree = client.get("/sectors/").context["tree"]
    counts = sector_counts([s for top, children in tree for s in [top, *children]])
    assert counts == {"banking": (1, 1), "farming": (2, 2), "dairy": (0, 0)}
    Mechanism.objects.update(status=Status.DRAFT)
    tree = client.get("/sectors/").context["tree"]
    assert sector_counts(s for s, _children in tree)["farming"] == (2, 2)


def test_country_list_counts_from_the_totals_and_headquarters(client, filed):
    rows = {
        row["code"]: (row["hq"], row["active"], row["mechanisms"])
        for _region, region_rows in client.get("/countries/").context["regions"]
        for row in region_rows
    }
    assert rows == {"FI": (2, 2, 2), "SE": (0, 1, 0), "CN": (0, 0, 1)}


def test_api_country_counts_come_from_the_totals(client, filed):
    rows = client.get("/api/v1/countries/").json()["results"]
    assert {
        r["code"]: (r["organisation_count"], r["mechanism_count"]) for r in rows
    } == {
        "CN": (0, 1),
        "FI": (2, 2),
        "SE": (1, 0),
    }
    Organisation.objects.update(status=Status.DRAFT)  # past the index
    assert client.get("/api/v1/countries/FI/").json()["organisation_count"] == 2
