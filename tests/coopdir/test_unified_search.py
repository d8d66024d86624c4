"""The unified search (/search/ and /api/v1/search/) takes the lists' filters
through their FilterSets, orders by a LIMIT query, and caps its depth."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from coopdir import views
from coopdir.search import depth
from organisations.models import Organisation
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def slugs(response):
    assert response.status_code == 200, response.content
    return [hit["slug"] for hit in response.json()["results"]]


def test_it_filters_the_api_search_by_country(api):
    OrganisationFactory(
        slug="fi-dairy", name="Finnish Dairy", hq_country="FI", countries=["FI"]
    )
    OrganisationFactory(slug="cn-dairy", name="Dairy Union", countries=["CN"])
    MechanismFactory(slug="cn-fi", name="Dairy Forum", countries=["CN", "FI"])
    found = slugs(api.get("/api/v1/search/", {"q": "dairy", "country": "CN"}))
    assert sorted(found) == ["cn-dairy", "cn-fi"]
    found = slugs(api.get("/api/v1/search/", {"q": "dairy", "country": "it,fi"}))
    assert sorted(found) == ["cn-fi", "fi-dairy"]


def test_it_takes_sector_kind_region_scope_and_years(api):
    farming = SectorFactory(slug="farming", name="Farming")
    OrganisationFactory(
        slug="old", name="Trade Old", founded_year=1900, sectors=[farming]
    )
    OrganisationFactory(slug="new", name="Trade New", founded_year=2000)
    MechanismFactory(slug="forum", name="Trade Forum", countries=["IT"])
    get = lambda **p: sorted(slugs(api.get("/api/v1/search/", {"q": "trade", **p})))  # noqa: E731
    assert get(sector="farming") == ["old"]
    assert get(founded_after="1950") == ["new"]
    assert get(region="europe") == ["forum"]
    assert get(scope="bilateral") == ["forum"]
    assert get(kind="federation") == ["new", "old"]
    assert get(kind="business_council", type="mechanism") == ["forum"]


@pytest.mark.parametrize(
    "params, name",
    [
        ({"country": "XX"}, "country"),
        ({"sector": "no-such-sector"}, "sector"),
        ({"region": "atlantis"}, "region"),
        ({"kind": "dragon"}, "kind"),
        ({"type": "person"}, "type"),
        ({"scope": "galactic"}, "scope"),
        ({"founded_after": "soon"}, "founded_after"),
        ({"ordering": "colour"}, "ordering"),
    ],
)
def test_it_names_a_bad_filter_in_a_400(api, params, name):
    OrganisationFactory(name="Trade Body")
    response = api.get("/api/v1/search/", {"q": "trade", **params})
    assert response.status_code == 400
    assert name in response.json()


def test_it_orders_the_api_search_by_name_and_founding_across_types(api):
    OrganisationFactory(slug="b", name="B Trade", founded_year=1990)
    OrganisationFactory(slug="d", name="D Trade")
    MechanismFactory(slug="a", name="A Trade", founded_year=2010)
    MechanismFactory(slug="c", name="C Trade", founded_year=1950)
    search = lambda o: slugs(api.get("/api/v1/search/", {"q": "trade", "ordering": o}))  # noqa: E731
    assert search("name") == ["a", "b", "c", "d"]
    assert search("-name") == ["d", "c", "b", "a"]
    assert search("founded") == ["c", "b", "a", "d"]
    assert search("-founded") == ["a", "b", "c", "d"]


@pytest.mark.parametrize("path", ["/search/", "/api/v1/search/"])
def test_an_ordered_search_reads_only_a_page_of_records(client, path):
    for n in range(30):
        OrganisationFactory(name=f"Org {n:02}")
    table = Organisation._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"q": "org", "ordering": "-name"})
    assert response.status_code == 200
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and f'"{table}"."name"' in q["sql"]
        and "ORDER BY" in q["sql"]
    ]
    assert reads and all("LIMIT" in sql for sql in reads), reads


def test_the_api_search_stops_at_the_cap_naming_the_page(api, monkeypatch):
    monkeypatch.setattr(depth, "MAX_RESULTS", 4)
    for n in range(6):
        OrganisationFactory(name=f"Trade {n}")
    first = api.get("/api/v1/search/", {"q": "trade", "page_size": 2})
    assert first.status_code == 200
    assert "first 4 of 6" in " ".join(first.json()["notices"])
    assert api.get("/api/v1/search/", {"q": "trade", "page_size": 2, "page": 2})
    last = api.get("/api/v1/search/", {"q": "trade", "page_size": 2, "page": 2})
    assert last.json()["next"] is None
    past = api.get("/api/v1/search/", {"q": "trade", "page_size": 2, "page": 3})
    assert past.status_code == 400 and "first 4 of 6" in past.json()["page"][0]


def test_the_search_page_says_where_paging_stops(client, monkeypatch):
    monkeypatch.setattr(depth, "MAX_RESULTS", 10)
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    for n in range(12):
        OrganisationFactory(name=f"Body {n:02} trade")
    first = client.get("/search/", {"q": "trade"}).content.decode()
    assert "Body 00" in first and "paged through" not in first
    deep = client.get("/search/", {"q": "trade", "page": "5"}).content.decode()
    assert "first 10 of 12 results can be paged through" in deep
    assert "Body 09" in deep and "Body 10" not in deep
