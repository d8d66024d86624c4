"""Facet counts from the search index: exact, cached but never stale, estimated."""

import pytest

from coopdir.search import facet_counts, facets, search
from organisations.models import Organisation
from tests.factories import OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def counts(result, facet):
    return {row["value"]: row["count"] for row in result[facet]}


def test_it_counts_a_search_result_with_its_filters():
    farming = SectorFactory(name="Agriculture", slug="agriculture")
    OrganisationFactory(name="Dairy One", hq_country="FI", sectors=[farming])
    OrganisationFactory(name="Dairy Two", hq_country="IT", countries=["FI"])
    OrganisationFactory(name="Dairy Draft", hq_country="FI", status="draft")
    OrganisationFactory(name="Other", hq_country="FI")
    result = facet_counts(search(Organisation.objects.published(), "dairy"))
    assert counts(result, "country") == {"FI": 2, "IT": 1}
    assert counts(result, "region") == {"europe": 2}
    assert result["sector"] == [
        {"value": "agriculture", "label": "Agriculture", "count": 1}
    ]
    assert not result.approximate


def test_a_cached_count_is_never_stale_after_an_edit():
    record = OrganisationFactory(name="Alpha", hq_country="FI")
    queryset = Organisation.objects.published()
    assert counts(facet_counts(queryset), "country") == {"FI": 1}
    record.hq_country = "SE"
    record.save()
    record.countries.filter(country="FI").delete()
    assert counts(facet_counts(queryset), "country") == {"SE": 1}
    record.sectors.add(SectorFactory(name="Housing", slug="housing"))
    assert counts(facet_counts(queryset), "sector") == {"housing": 1}
    record.delete()
    assert facet_counts(queryset)["country"] == []


def test_it_estimates_past_the_exact_limit_and_says_so(monkeypatch):
    monkeypatch.setattr(facets, "EXACT_LIMIT", 4)
    for _ in range(6):
        OrganisationFactory(hq_country="FI")
    result = facet_counts(Organisation.objects.all(), ["country"])
    assert result.approximate
    assert counts(result, "country") == {"FI": 6}
    small = facet_counts(Organisation.objects.all()[:0], ["country"])
    assert not small.approximate


def test_a_cached_count_follows_every_write():
    from coopdir.search import cached_count

    queryset = Organisation.objects.published()
    assert cached_count(queryset) == 0
    record = OrganisationFactory(name="Counted")
    assert cached_count(queryset) == 1
    record.status = "draft"
    record.save()
    assert cached_count(queryset) == 0
    assert cached_count(Organisation.objects.none()) == 0


def test_a_rolled_back_edit_never_hands_its_version_to_other_data():
    from django.db import transaction

    from coopdir.search import engine

    before = engine.version()
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganisationFactory(name="Rolled back")
        taken_back = engine.version()
        raise RuntimeError
    assert engine.version() == before
    OrganisationFactory(name="Kept")
    assert engine.version() not in (before, taken_back)


def test_list_counts_follow_a_new_secretariat_at_once(client):
    from tests.factories import MechanismFactory, SecretariatFactory

    host = OrganisationFactory(slug="host-body")
    first = MechanismFactory()
    SecretariatFactory(mechanism=first, organisation=host)
    url = "/api/v1/mechanisms/?organisation=host-body"
    assert client.get(url).json()["count"] == 1
    assert (
        client.get("/mechanisms/?organisation=host-body").context["result_count"] == 1
    )
    SecretariatFactory(mechanism=MechanismFactory(), organisation=host)
    assert client.get(url).json()["count"] == 2
    assert (
        client.get("/mechanisms/?organisation=host-body").context["result_count"] == 2
    )


def test_the_sector_list_count_follows_a_new_sector(client):
    SectorFactory()
    assert client.get("/api/v1/sectors/").json()["count"] == 1
    SectorFactory()
    assert client.get("/api/v1/sectors/").json()["count"] == 2
