"""The list pages and the API lists page only so deep, and say so past it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from coopdir.rest import viewsets
from coopdir.search import depth
from organisations import listing
from tests.factories import MechanismFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve(monkeypatch):
    monkeypatch.setattr(depth, "MAX_RESULTS", 10)
    monkeypatch.setattr(listing, "PAGE_SIZE", 5)
    for n in range(12):
        OrganisationFactory(name=f"Body {n:02}", hq_country="IT")
        MechanismFactory(name=f"Council {n:02}", countries=["IT"])


@pytest.mark.parametrize(
    "path, prefix",
    [
        ("/organisations/", "Body"),
        ("/organisations/?country=IT&ordering=-name", "Body"),
        ("/mechanisms/", "Council"),
        ("/zh-hans/mechanisms/?q=council", "Council"),
    ],
)
def test_a_list_page_stops_at_the_cap_and_says_so(client, twelve, path, prefix):
    first = client.get(path)
    assert first.status_code == 200
    assert "paged through" not in first.content.decode()
    assert first.context["result_count"] == 12
    with CaptureQueriesContext(connection) as queries:
        deep = client.get(path, {"page": "99"})
    assert deep.status_code == 200
    shown = [record.name for record in deep.context["results"]]
    assert len(shown) == 5 and deep.context["page_obj"].number == 2
    assert not deep.context["page_obj"].has_next()
    assert any("10" in m and "12" in m for m in deep.context["messages_list"])
    if not path.startswith("/zh-hans/"):
        assert "first 10 of 12 results can be paged through" in deep.content.decode()
    # The records are read with a LIMIT no deeper than the cap.
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if "ORDER BY" in q["sql"]
        and "LIMIT" not in q["sql"]
        and '_id" IN (' not in q["sql"]  # the page's rows' countries and sectors
    ]
    assert not reads, reads


@pytest.mark.parametrize("path", ["/api/v1/organisations/", "/api/v1/mechanisms/"])
def test_an_api_list_refuses_a_page_past_its_cap_naming_it(monkeypatch, twelve, path):
    monkeypatch.setattr(viewsets, "LIST_MAX_RESULTS", 4)
    api = APIClient()
    last = api.get(path, {"page_size": 2, "page": 2})
    assert last.status_code == 200
    assert last.json()["count"] == 12 and last.json()["next"] is None
    past = api.get(path, {"page_size": 2, "page": 3})
    assert past.status_code == 400
    assert "first 4 of 12" in past.json()["page"][0]
    csv = api.get(path, {"format": "csv", "country": "IT"})
    assert csv.status_code == 200
    assert csv["X-Total-Count"] == "12"
    assert len(csv.content.decode().strip().splitlines()) == 1 + 4
