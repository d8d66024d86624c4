"""A renamed slug keeps its links: old page and API addresses answer 301."""

import pytest

from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    SectorFactory,
    api_token,
)

pytestmark = pytest.mark.django_db


def rename(record, slug):
    record.slug = slug
    record.save()
    return record


@pytest.mark.parametrize(
    "factory, page, api",
    [
        (OrganisationFactory, "/organisations/", "/api/v1/organisations/"),
        (MechanismFactory, "/mechanisms/", "/api/v1/mechanisms/"),
        (SectorFactory, "/sectors/", "/api/v1/sectors/"),
    ],
)
def test_an_old_slug_answers_301_to_the_current_address(client, factory, page, api):
    record = rename(factory(slug="cosco"), "cosco-shipping")
    response = client.get(f"{page}cosco/?page=2")
    assert response.status_code == 301
    assert response["Location"] == f"{page}cosco-shipping/?page=2"
    assert client.get(f"{page}cosco-shipping/").status_code == 200

    response = client.get(f"{api}cosco/?format=json")
    assert response.status_code == 301
    assert response["Location"].endswith(f"{api}cosco-shipping/?format=json")
    assert response.json()["url"] == response["Location"]
    assert client.get(response["Location"]).json()["slug"] == record.slug


def test_every_old_slug_leads_to_the_current_one(client):
    record = OrganisationFactory(slug="first")
    rename(record, "second")
    rename(record, "third")
    for old in ("first", "second"):
        response = client.get(f"/organisations/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/organisations/third/"


def test_a_slug_taken_by_another_record_names_that_record(client):
    rename(OrganisationFactory(slug="cosco", name="Old COSCO"), "cosco-shipping")
    OrganisationFactory(slug="cosco", name="A new body")
    response = client.get("/organisations/cosco/")
    assert response.status_code == 200
    assert "A new body" in response.content.decode()


def test_a_renamed_draft_stays_hidden(client, staff_user):
    rename(OrganisationFactory(slug="secret", status="draft"), "secret-2")
    assert client.get("/organisations/secret/").status_code == 404
    assert client.get("/api/v1/organisations/secret/").status_code == 404
    client.force_login(staff_user)
    assert client.get("/organisations/secret/").status_code == 301


def test_unknown_slugs_are_still_404(client):
    assert client.get("/organisations/never-was/").status_code == 404
    assert client.get("/api/v1/mechanisms/never-was/").status_code == 404
    assert client.get("/sectors/never-was/").status_code == 404


def test_a_write_to_an_old_slug_is_not_redirected(client, superuser):
    rename(OrganisationFactory(slug="cosco"), "cosco-shipping")
    response = client.patch(
        "/api/v1/organisations/cosco/",
        {"summary": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {api_token(superuser)}",
    )
    assert response.status_code == 404
