"""Hostile lookups are refused with a 4xx (a NUL byte included, which PostgreSQL
cannot even compare), and every API error, a crash included, answers JSON."""

import pytest
from django.test import Client

from coopdir.api import SectorViewSet, router
from coopdir.rest import SlugLookupMixin
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db

NUL = "%00"
PAGES = [
    f"/organisations/{NUL}/",
    f"/organisations/ica{NUL}/",
    f"/mechanisms/{NUL}/",
    f"/sectors/{NUL}/",
    f"/sectors/agriculture{NUL}/",
    f"/countries/{NUL}/",
    f"/countries/C{NUL}N/",
    f"/organisations/?sector={NUL}",
    f"/organisations/?country={NUL}&q={NUL}",
    f"/mechanisms/?sector=agriculture{NUL}",
    f"/search/?q={NUL}",
]
API = [
    f"/api/v1/organisations/{NUL}/",
    f"/api/v1/organisations/ica{NUL}/",
    f"/api/v1/mechanisms/{NUL}/",
    f"/api/v1/sectors/{NUL}/",
    f"/api/v1/sectors/agriculture{NUL}/",
    f"/api/v1/countries/{NUL}/",
    f"/api/v1/organisations/?sector={NUL}",
    f"/api/v1/organisations/?country={NUL}&q={NUL}",
    f"/api/v1/mechanisms/?organisation={NUL}",
    f"/api/v1/search/?q={NUL}",
    f"/api/v1/{NUL}/",
]


@pytest.fixture
def records():
    sector = SectorFactory(slug="agriculture")
    OrganisationFactory(slug="ica", sectors=[sector])
    MechanismFactory(slug="china-italy", sectors=[sector])


def plain_client():
    # As in production: a crash becomes the 500 page, not an exception in the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", PAGES)
def test_a_nul_byte_in_a_page_lookup_is_a_4xx(records, url):
    # (A country code is cleaned of NUL bytes and redirected to.)
    assert plain_client().get(url).status_code < 500, url


@pytest.mark.parametrize("url", API)
def test_a_nul_byte_in_an_api_lookup_is_a_json_4xx(records, url):
    response = plain_client().get(url)
    assert response.status_code in (400, 404), url
    assert response["Content-Type"] == "application/json"
    assert response.json()


def test_a_nul_byte_in_an_admin_search_is_not_a_crash(records, client, superuser):
    client.force_login(superuser)
    client.raise_request_exception = False
    response = client.get(f"/admin/organisations/organisation/?q={NUL}")
    assert response.status_code < 500


def test_every_api_lookup_by_slug_refuses_what_is_no_slug():
    for prefix, viewset, _name in router.registry:
        if getattr(viewset, "lookup_field", None) == "slug":
            assert issubclass(viewset, SlugLookupMixin), prefix


def test_a_crash_in_the_api_answers_json(records, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(SectorViewSet, "list", crash)
    response = plain_client().get("/api/v1/sectors/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "boom" not in response.content.decode()
    assert response.json()["detail"]


def test_a_crash_in_a_page_still_answers_the_html_error_page(records, monkeypatch):
    from coopdir import views

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", crash)
    response = plain_client().get("/sectors/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_bad_request_to_the_api_answers_json(records, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    query = "&".join(f"p{i}=1" for i in range(10))
    response = plain_client().get(f"/api/v1/sectors/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
