import csv
import io

import pytest
from rest_framework.test import APIClient

from organisations.models import Status
from tests.factories import (
    OrganisationFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"


@pytest.fixture
def api():
    return APIClient()


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_it_lists_published_organisations_compactly(api):
    agriculture = SectorFactory(slug="agriculture")
    OrganisationFactory(
        slug="acfsmc",
        name="All China Federation of Supply and Marketing Cooperatives",
        acronym="ACFSMC",
        summary="The apex body.",
        sectors=[agriculture],
        countries=["FI"],
    )
    OrganisationFactory(slug="hidden", status=Status.DRAFT)
    response = api.get(LIST)
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {
            "slug": "acfsmc",
            "url": "http://testserver/api/v1/organisations/acfsmc/",
            "web_url": "http://testserver/organisations/acfsmc/",
            "name": "All China Federation of Supply and Marketing Cooperatives",
            "acronym": "ACFSMC",
            "kind": "federation",
            "countries": ["CN", "FI"],
            "sectors": ["agriculture"],
            "founded": "",
            "summary": "The apex body.",
        }
    ]


def test_it_filters_by_country_repeated_or_comma_separated(api):
    OrganisationFactory(slug="cn", hq_country="CN")
    OrganisationFactory(slug="fi", hq_country="FI")
    OrganisationFactory(slug="it", hq_country="IT")
    OrganisationFactory(slug="cn-it", hq_country="CN", countries=["IT"])
    assert sorted(slugs(api.get(LIST, {"country": ["FI", "it"]}))) == [
        "cn-it",
        "fi",
        "it",
    ]
    assert sorted(slugs(api.get(LIST + "?country=fi,IT"))) == ["cn-it", "fi", "it"]
    assert sorted(slugs(api.get(LIST + "?country=FI,&country=CN"))) == [
        "cn",
        "cn-it",
        "fi",
    ]


def test_it_filters_by_sector_including_sub_sectors(api):
    industry = SectorFactory(slug="industry")
    machinery = SectorFactory(slug="machinery", parent=industry)
    banking = SectorFactory(slug="banking")
    OrganisationFactory(slug="maker", sectors=[machinery])
    OrganisationFactory(slug="bank", sectors=[banking])
    OrganisationFactory(slug="both", sectors=[industry, machinery])
    assert sorted(slugs(api.get(LIST, {"sector": "industry"}))) == ["both", "maker"]
    assert sorted(slugs(api.get(LIST, {"sector": "machinery"}))) == ["both", "maker"]
    assert sorted(slugs(api.get(LIST + "?sector=banking,machinery"))) == [
        "bank",
        "both",
        "maker",
    ]


def test_it_filters_by_kind_region_and_years_together(api):
    OrganisationFactory(slug="old-be", kind="cooperative", hq_country="BE")
    OrganisationFactory(
        slug="ica", kind="international", hq_country="BE", founded_year=1895
    )
    OrganisationFactory(
        slug="ccpit", kind="trade_promotion", hq_country="CN", founded_year=1952
    )
    OrganisationFactory(slug="za", kind="international", hq_country="ZA")
    assert slugs(api.get(LIST, {"kind": "international", "region": "europe"})) == [
        "ica"
    ]
    assert sorted(slugs(api.get(LIST + "?kind=international,trade_promotion"))) == [
        "ccpit",
        "ica",
        "za",
    ]
    assert slugs(api.get(LIST, {"founded_after": 1900})) == ["ccpit"]
    assert slugs(api.get(LIST, {"founded_before": "1900"})) == ["ica"]
    assert slugs(
        api.get(
            LIST,
            {"founded_after": 1890, "founded_before": 1960, "region": "asia-pacific"},
        )
    ) == ["ccpit"]


def test_it_searches_and_orders(api):
    OrganisationFactory(slug="b", name="Beta Cooperative Union", founded_year=1990)
    OrganisationFactory(
        slug="a", name="Alpha", summary="cooperative", founded_year=1950
    )
    OrganisationFactory(slug="c", name="Gamma", founded_year=2000)
    assert slugs(api.get(LIST, {"q": "cooperative"})) == ["b", "a"]
    assert slugs(api.get(LIST, {"q": "cooperative", "ordering": "name"})) == ["a", "b"]
    assert slugs(api.get(LIST, {"ordering": "-founded"})) == ["c", "b", "a"]
    assert slugs(api.get(LIST, {"ordering": "-name"})) == ["c", "b", "a"]


def test_it_adds_facets_for_the_whole_result_set(api):
    agriculture = SectorFactory(slug="agriculture", name="Agriculture")
    OrganisationFactory(hq_country="CN", sectors=[agriculture])
    OrganisationFactory(hq_country="CN", kind="chamber")
    OrganisationFactory(hq_country="FI")
    body = api.get(LIST, {"facets": "1", "country": "CN", "page_size": 1}).json()
    assert len(body["results"]) == 1
    assert body["facets"]["country"] == [{"value": "CN", "label": "China", "count": 2}]
    assert {row["value"]: row["count"] for row in body["facets"]["kind"]} == {
        "federation": 1,
        "chamber": 1,
    }
    assert body["facets"]["sector"][0]["value"] == "agriculture"
    assert "facets" not in api.get(LIST).json()


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"country": "XX"}, "country"),
        ({"country": "CN,ZZ"}, "country"),
        ({"sector": "nope"}, "sector"),
        ({"kind": "spaceship"}, "kind"),
        ({"region": "mars"}, "region"),
        ({"founded_after": "abc"}, "founded_after"),
        ({"founded_before": "19x5"}, "founded_before"),
        ({"ordering": "pk"}, "ordering"),
        ({"q": "x" * 5000}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"page": "abc"}, "page"),
        ({"facets": "maybe"}, "facets"),
    ],
)
def test_it_names_the_bad_parameter(api, params, parameter):
    OrganisationFactory()
    response = api.get(LIST, params)
    assert response.status_code == 400
    assert parameter in response.json()


def test_it_caps_the_page_size_and_pages(api):
    for n in range(3):
        OrganisationFactory(name=f"Org {n}")
    body = api.get(LIST, {"page_size": 100000}).json()
    assert body["count"] == 3 and len(body["results"]) == 3
    body = api.get(LIST, {"page_size": 2, "page": 2}).json()
    assert len(body["results"]) == 1 and body["next"] is None
    assert "page_size=2" in body["previous"]
    assert api.get(LIST, {"page": 9}).status_code == 404
    assert api.get(LIST + "?page_size=abc").status_code == 200


def test_it_downloads_a_list_as_csv(api):
    agriculture = SectorFactory(slug="agriculture")
    banking = SectorFactory(slug="banking")
    OrganisationFactory(
        slug="cn-1",
        name="Alpha, Inc.",
        countries=["FI"],
        sectors=[agriculture, banking],
    )
    OrganisationFactory(slug="cn-2", name="Beta")
    OrganisationFactory(slug="fi", hq_country="FI")
    for n in range(25):
        OrganisationFactory(hq_country="CN", name=f"Z {n:02d}")
    response = api.get(LIST, {"country": "CN", "format": "csv", "ordering": "name"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 27  # every row, not one page of 20
    assert rows[0]["name"] == "Alpha, Inc."
    assert rows[0]["countries"] == "CN; FI"
    assert rows[0]["sectors"] == "agriculture; banking"
    assert rows[0]["url"] == "http://testserver/api/v1/organisations/cn-1/"
    assert response["X-Total-Count"] == "27"
    error = api.get(LIST, {"country": "XX", "format": "csv"})
    assert error.status_code == 400 and error.json()["country"]


def test_it_answers_304_to_a_repeated_list_request(api):
    organisation = OrganisationFactory()
    first = api.get(LIST, {"country": "CN"})
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified
    again = api.get(LIST, {"country": "CN"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Last-Modified"] == modified
    since = api.get(LIST, {"country": "CN"}, HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    assert api.get(LIST, {"country": "FI"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    organisation.name = "Renamed"
    organisation.save()
    assert api.get(LIST, {"country": "CN"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    organisation.delete()
    assert api.get(LIST, {"country": "CN"}, HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_in_a_fixed_number_of_queries(
    api, count, django_assert_max_num_queries
):
    sectors = [SectorFactory(), SectorFactory()]
    for _ in range(count):
        parent = OrganisationFactory(sectors=sectors, countries=["FI", "SE"])
        OrganisationFactory(parent=parent)
    with django_assert_max_num_queries(6):
        assert len(api.get(LIST, {"page_size": 100}).json()["results"]) == 2 * count
    with django_assert_max_num_queries(12):
        api.get(LIST, {"page_size": 100, "facets": 1, "sector": sectors[0].slug})
    with django_assert_max_num_queries(6):
        api.get(LIST, {"format": "csv"})


def test_it_gives_an_empty_csv_with_its_header(api):
    response = api.get(LIST, {"country": "FI", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == [
        "slug,url,web_url,name,acronym,kind,countries,sectors,founded,summary"
    ]


def test_it_answers_a_flood_of_parameters_with_a_json_400(api):
    response = api.get(LIST + "?" + "&".join(["country=CN"] * 2500))
    assert response.status_code == 400
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]


def test_it_keeps_formulas_out_of_the_csv(api):
    OrganisationFactory(name="=HYPERLINK(1)", summary="-2020 figures", acronym="@x")
    rows = list(
        csv.DictReader(io.StringIO(api.get(LIST, {"format": "csv"}).content.decode()))
    )
    assert rows[0]["name"] == "'=HYPERLINK(1)"
    assert rows[0]["acronym"] == "'@x"
    assert rows[0]["summary"] == "-2020 figures"
