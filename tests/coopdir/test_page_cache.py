"""Whole responses kept for anonymous visitors (coopdir/pagecache.py)."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from coopdir import pagecache
from coopdir.search.engine import STATE_TABLE
from organisations.models import Status
from tests.factories import KeyFigureFactory, OrganisationFactory, api_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def fetch(client, path, **headers):
    """Return (response, the queries it took)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, [q["sql"] for q in queries.captured_queries]


def served_from_cache(queries):
    # A kept page asks the database only for the index version.
    return len(queries) == 1 and STATE_TABLE in queries[0]


def test_a_repeated_page_is_served_from_the_cache_with_the_same_headers(client):
    OrganisationFactory(name="Kept Federation", slug="kept")
    first, queries = fetch(client, "/organisations/kept/")
    assert first.status_code == 200 and not served_from_cache(queries)
    again, queries = fetch(client, "/organisations/kept/")
    assert served_from_cache(queries), queries
    assert again.status_code == 200 and again.content == first.content
    for header in ("Cache-Control", "Content-Security-Policy", "Content-Language"):
        assert again[header] == first[header], header
    assert "public" in again["Cache-Control"]
    assert not again.cookies


def test_an_edit_is_on_the_next_page(client):
    body = OrganisationFactory(slug="body", summary="Before the edit")
    figure = KeyFigureFactory(organisation=body, label="Turnover")
    assert b"Before the edit" in client.get("/organisations/body/").content
    body.summary = "After the edit"
    body.save()
    assert b"After the edit" in client.get("/organisations/body/").content
    # A key figure is not in the search index; its edit retires the page too.
    figure.label = "Revenue of the year"
    figure.save()
    assert b"Revenue of the year" in client.get("/organisations/body/").content


def test_staff_neither_get_nor_leave_a_kept_page(client, staff_user):
    OrganisationFactory(slug="draft", status=Status.DRAFT)
    OrganisationFactory(slug="live")
    client.get("/organisations/live/")
    client.force_login(staff_user)
    preview, queries = fetch(client, "/organisations/draft/")
    assert preview.status_code == 200
    _, queries = fetch(client, "/organisations/live/")
    assert not served_from_cache(queries)
    client.logout()
    client.cookies.clear()
    assert client.get("/organisations/draft/").status_code == 404


def test_chinese_and_english_never_share_a_page(client):
    OrganisationFactory(slug="body")
    english = client.get("/organisations/body/")
    chinese = client.get("/zh-hans/organisations/body/")
    assert chinese.content != english.content
    for path, first in (
        ("/organisations/body/", english),
        ("/zh-hans/organisations/body/", chinese),
    ):
        again, queries = fetch(client, path)
        assert served_from_cache(queries) and again.content == first.content
    assert 'lang="zh-hans"' in chinese.content.decode()
    assert 'lang="en"' in english.content.decode()


def test_the_query_string_is_part_of_the_key(client):
    OrganisationFactory(name="Finnish Union", hq_country="FI", countries=["FI"])
    OrganisationFactory(name="Swedish Union", hq_country="SE", countries=["SE"])
    finland = client.get("/organisations/?country=FI").content.decode()
    sweden = client.get("/organisations/?country=SE").content.decode()
    assert "Finnish Union" in finland and "Swedish Union" not in finland
    assert "Swedish Union" in sweden and "Finnish Union" not in sweden


def test_a_huge_query_string_makes_a_key_of_the_usual_size():
    request = RequestFactory().get("/organisations/", {"q": "x" * 100_000})
    short = RequestFactory().get("/organisations/", {"q": "x"})
    key = pagecache.cache_key(request, 123)
    assert len(key) == len(pagecache.cache_key(short, 123)) < 120
    assert key != pagecache.cache_key(short, 123)


def test_a_refused_or_failed_answer_is_never_kept():
    request = RequestFactory().get("/organisations/")
    api = RequestFactory().get("/api/v1/organisations/")
    ok = HttpResponse("page")
    assert pagecache.keepable(request, ok)
    for status in (404, 429, 500, 301):
        assert not pagecache.keepable(request, HttpResponse("x", status=status))
    with_cookie = HttpResponse("page")
    with_cookie.set_cookie("csrftoken", "secret")
    assert not pagecache.keepable(request, with_cookie)
    for header, value in (
        ("Vary", "Cookie"),
        ("Cache-Control", "private"),
        ("Cache-Control", "max-age=0"),
        ("Cache-Control", "no-store"),
    ):
        response = HttpResponse("page")
        response[header] = value
        assert not pagecache.keepable(request, response), (header, value)
    varies_on_accept = HttpResponse("[]")
    varies_on_accept["Vary"] = "Accept"
    assert pagecache.keepable(api, varies_on_accept)
    assert not pagecache.keepable(request, varies_on_accept)


def test_a_page_over_the_rate_limit_stays_refused_and_a_kept_one_is_not_counted(
    client, settings
):
    settings.PAGE_RATE = "1/m"
    OrganisationFactory(name="Rated Union")
    assert client.get("/search/?q=rated").status_code == 200
    for _ in range(2):
        refused = client.get("/search/?q=union")
        assert refused.status_code == 429 and refused["Retry-After"]
    # Kept: served without asking the view, so without counting (pagecache.py).
    assert client.get("/search/?q=rated").status_code == 200


def test_api_reads_are_kept_per_accept_header_and_tokens_bypass_them(client, superuser):
    OrganisationFactory(slug="body")
    path = "/api/v1/organisations/body/"
    plain, _ = fetch(client, path)
    linked, _ = fetch(client, path, HTTP_ACCEPT="application/ld+json")
    assert plain["Content-Type"] != linked["Content-Type"]
    again, queries = fetch(client, path, HTTP_ACCEPT="application/ld+json")
    assert served_from_cache(queries) and again.content == linked.content
    token = f"Token {api_token(superuser)}"
    _, queries = fetch(client, path, HTTP_AUTHORIZATION=token)
    assert not served_from_cache(queries)


def test_a_conditional_get_goes_to_the_view(client):
    OrganisationFactory(slug="body")
    first = client.get("/api/v1/organisations/body/")
    again = client.get("/api/v1/organisations/body/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
