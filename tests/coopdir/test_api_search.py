import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from organisations.models import Status
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_it_searches_both_kinds_ranked_saying_each_kind(api):
    OrganisationFactory(slug="finnish-chamber", name="Finland Chamber of Commerce")
    MechanismFactory(slug="cfc", name="China-Finland Committee")
    OrganisationFactory(slug="text-hit", name="Nordic Desk", summary="Finland office")
    OrganisationFactory(slug="hidden", name="Finland Draft", status=Status.DRAFT)
    OrganisationFactory(slug="other", name="Unrelated")
    body = api.get("/api/v1/search/", {"q": "finland"}).json()
    results = body["results"]
    assert body["count"] == 3
    assert [(r["type"], r["slug"]) for r in results] == [
        ("mechanism", "cfc"),
        ("organisation", "finnish-chamber"),
        ("organisation", "text-hit"),
    ]
    assert results[0]["rank"] >= results[1]["rank"] > results[2]["rank"]
    assert results[0]["url"] == "http://testserver/api/v1/mechanisms/cfc/"
    assert results[1]["kind"] == "federation"


def test_it_shows_drafts_in_search_to_staff(api, staff_user):
    OrganisationFactory(slug="hidden", name="Finland Draft", status=Status.DRAFT)
    assert api.get("/api/v1/search/", {"q": "finland"}).json()["count"] == 0
    api.force_authenticate(staff_user)
    assert api.get("/api/v1/search/", {"q": "finland"}).json()["count"] == 1


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "x" * 5000}, {"q": "a\x00b"}])
def test_it_names_a_missing_or_bad_query(api, query):
    response = api.get("/api/v1/search/", query)
    assert response.status_code == 400 and "q" in response.json()


def test_it_pages_search_results_and_answers_304(api):
    for n in range(5):
        OrganisationFactory(name=f"Cooperative {n}")
    first = api.get("/api/v1/search/", {"q": "cooperative", "page_size": 2})
    assert first.json()["count"] == 5 and len(first.json()["results"]) == 2
    repeat = api.get(
        "/api/v1/search/",
        {"q": "cooperative", "page_size": 2},
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert repeat.status_code == 304


def test_it_counts_published_records_by_sector_including_sub_sectors(api):
    industry = SectorFactory(slug="industry", name="Industry")
    machinery = SectorFactory(slug="machinery", name="Machinery", parent=industry)
    OrganisationFactory(sectors=[industry, machinery])
    OrganisationFactory(sectors=[machinery])
    OrganisationFactory(sectors=[machinery], status=Status.DRAFT)
    MechanismFactory(sectors=[machinery])
    body = api.get("/api/v1/sectors/").json()
    counts = {
        s["slug"]: (s["organisation_count"], s["mechanism_count"])
        for s in body["results"]
    }
    assert counts == {"industry": (2, 1), "machinery": (2, 1)}
    detail = api.get("/api/v1/sectors/machinery/").json()
    assert detail["parent"] == "industry" and detail["organisation_count"] == 2
    assert api.get("/api/v1/sectors/nope/").status_code == 404


def test_it_counts_published_records_by_country(api):
    OrganisationFactory(hq_country="CN", countries=["FI"])
    OrganisationFactory(hq_country="CN")
    OrganisationFactory(hq_country="SE", status=Status.DRAFT)
    MechanismFactory(countries=["CN", "IT"])
    body = api.get("/api/v1/countries/").json()
    rows = {row["code"]: row for row in body["results"]}
    assert set(rows) == {"CN", "FI", "IT"}
    assert (rows["CN"]["organisation_count"], rows["CN"]["mechanism_count"]) == (2, 1)
    assert rows["CN"]["name_zh"] == "中国" and rows["FI"]["region"] == "europe"
    assert rows["IT"]["mechanisms"].endswith("/api/v1/mechanisms/?country=IT")
    assert api.get("/api/v1/countries/fi/").json()["organisation_count"] == 1
    assert api.get("/api/v1/countries/SE/").json()["organisation_count"] == 0
    assert api.get("/api/v1/countries/XX/").status_code == 404


def test_it_answers_unknown_api_addresses_in_json(api):
    response = api.get("/api/v1/nothing/here/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_it_throttles_anonymous_clients_with_retry_after(api, staff_user):
    cache.clear()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/min"}
    throttled = {**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=throttled):
        for _ in range(3):
            assert api.get("/api/v1/organisations/").status_code == 200
        response = api.get("/api/v1/sectors/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "throttled" in response.json()["detail"].lower()
        api.force_authenticate(staff_user)
        assert api.get("/api/v1/organisations/").status_code == 200
    cache.clear()


def test_it_serves_the_docs_from_local_files(api):
    response = api.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    )
    # Nothing from another host (a CDN): no absolute URL to load. Not a search
    # for "cdn" in the page: its random CSRF token may hold those letters.
    lowered = html.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", lowered)
    assert "jsdelivr" not in lowered and "unpkg" not in lowered
    # The start-up script, which names the schema, is a file of its own (CSP).
    assert '<script src="/api/docs/?script="></script>' in html
    assert "/api/schema/" in api.get("/api/docs/?script=").content.decode()


def test_it_searches_one_kind_and_fetches_only_the_page(
    api, django_assert_max_num_queries
):
    for n in range(30):
        OrganisationFactory(name=f"Cooperative {n:02d}")
        MechanismFactory(name=f"Cooperative council {n:02d}")
    body = api.get("/api/v1/search/", {"q": "cooperative", "type": "mechanism"}).json()
    assert body["count"] == 30
    assert {r["type"] for r in body["results"]} == {"mechanism"}
    # Per kind: its count, exact-name look-up, a read per rank tier the page
    # reaches, the page and its prefetches; the index version and the totals once,
    # and the version again for the query's reading (kept per version). None of it
    # per hit.
    with django_assert_max_num_queries(18):
        body = api.get("/api/v1/search/", {"q": "cooperative", "page": 3}).json()
    assert body["count"] == 60 and len(body["results"]) == 20
    assert api.get("/api/v1/search/", {"q": "x", "type": "person"}).status_code == 400


def test_the_api_root_leads_to_the_docs(api):
    response = api.get("/api/")
    assert response.status_code == 302 and response["Location"] == "/api/docs/"


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_sectors_and_countries_in_a_fixed_number_of_queries(
    api, count, django_assert_max_num_queries
):
    codes = ["CN", "FI", "IT", "DE", "US", "BR", "KE", "JP", "FR", "ES"]
    for n in range(count):
        top = SectorFactory()
        sub = SectorFactory(parent=top)
        OrganisationFactory(sectors=[sub], hq_country=codes[n % 10])
        MechanismFactory(sectors=[top], countries=[codes[(n + 1) % 10]])
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/sectors/", {"page_size": 100}).json()["count"] == (
            2 * count
        )
    with django_assert_max_num_queries(2):
        assert api.get("/api/v1/countries/").json()["count"] == min(count + 1, 10)


def test_a_bad_token_is_refused_even_for_reading(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = api.get("/api/v1/organisations/")
    assert response.status_code == 401 and response.json()["detail"]
