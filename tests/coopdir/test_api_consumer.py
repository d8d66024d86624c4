"""The issue's 'done when', as a new API consumer would try it on the shipped data."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(seeded):
    return APIClient()


def test_it_lists_every_mechanism_involving_italy_or_finland(api):
    body = api.get("/api/v1/mechanisms/", {"country": ["IT", "FI"]}).json()
    assert {item["slug"] for item in body["results"]} == {
        "bfic",
        "china-finland-committee",
    }
    for item in body["results"]:
        assert {"IT", "FI"} & set(item["countries"])


def test_it_fetches_the_acfsmc_2020_key_figures(api):
    body = api.get("/api/v1/organisations/acfsmc/").json()
    figures = [f for f in body["key_figures"] if f["year"] == 2020]
    assert figures
    for figure in figures:
        assert isinstance(figure["value"], str) and "e" not in figure["value"].lower()
    stored = Organisation.objects.get(slug="acfsmc").key_figures.filter(year=2020)
    assert sorted(f["value"] for f in figures) == sorted(
        format(figure.value.normalize(), "f") for figure in stored
    )


def test_it_downloads_all_chinese_organisations_as_csv(api):
    response = api.get("/api/v1/organisations/", {"country": "CN", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    expected = Organisation.objects.published().in_country("CN").count()
    assert len(rows) == expected >= 10
    assert all("CN" in row["countries"].split("; ") for row in rows)


def test_a_repeated_request_gets_a_304(api):
    first = api.get("/api/v1/mechanisms/", {"country": "IT,FI"})
    again = api.get(
        "/api/v1/mechanisms/", {"country": "IT,FI"}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
