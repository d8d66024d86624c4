import pytest
from django.utils.http import http_date
from rest_framework.test import APIClient

from organisations.models import Duty, Membership, OrganisationName, Status
from tests.factories import (
    KeyFigureFactory,
    MechanismFactory,
    OrganisationFactory,
    ParticipantFactory,
    SecretariatFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"


@pytest.fixture
def api():
    return APIClient()


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_it_gives_a_404_for_an_unknown_slug(api):
    assert api.get(LIST + "nobody/").status_code == 404
    assert api.get(LIST + "a%00b/").status_code == 404
    draft = OrganisationFactory(status=Status.DRAFT)
    assert api.get(f"{LIST}{draft.slug}/").status_code == 404


def test_it_shows_a_complete_nested_detail(api):
    source = SourceFactory(title="ACFSMC profile")
    parent = OrganisationFactory(slug="acfsmc", name="ACFSMC")
    council = OrganisationFactory(
        slug="council",
        parent=parent,
        relation_to_parent="council_body",
        founded_year=1954,
        founded_month=7,
    )
    council.sources.add(source)
    OrganisationFactory(slug="secret-child", parent=council, status=Status.DRAFT)
    OrganisationName.objects.create(
        organisation=council,
        name="中华全国供销合作总社理事会",
        language="zh-Hans",
        kind="translation",
    )
    Duty.objects.create(organisation=council, position=1, text="Second duty")
    Duty.objects.create(organisation=council, position=0, text="First duty")
    ica = OrganisationFactory(slug="ica", name="ICA")
    Membership.objects.create(member=council, organisation=ica, since_year=1985)
    total = KeyFigureFactory(
        organisation=council, value="5300000000000", qualifier="about", source=source
    )
    KeyFigureFactory(
        organisation=council, value="12.5", parent=total, change_pct="3.10"
    )
    mechanism = MechanismFactory(slug="cicc", name="CICC")
    SecretariatFactory(mechanism=mechanism, organisation=council, side="CN")
    ParticipantFactory(
        mechanism=MechanismFactory(slug="draft-m", status=Status.DRAFT),
        organisation=council,
    )
    ParticipantFactory(
        mechanism=mechanism,
        organisation=council,
        role="chair",
        person_name="ZHANG Yujing",
    )
    body = api.get(LIST + "council/").json()
    assert body["parent"]["slug"] == "acfsmc"
    assert body["parent"]["url"] == "http://testserver/api/v1/organisations/acfsmc/"
    assert body["relation_to_parent"] == "council_body"
    assert body["children"] == []
    assert body["founded"] == "1954-07"
    assert body["other_names"] == [
        {
            "name": "中华全国供销合作总社理事会",
            "language": "zh-Hans",
            "kind": "translation",
        }
    ]
    assert body["duties"] == ["First duty", "Second duty"]
    assert body["memberships"][0]["organisation"]["slug"] == "ica"
    assert body["memberships"][0]["since_year"] == 1985
    values = {figure["value"] for figure in body["key_figures"]}
    assert values == {"5300000000000", "12.5"}
    part = next(f for f in body["key_figures"] if f["value"] == "12.5")
    assert part["parent"] == total.pk and part["change_pct"] == "3.1"
    assert body["secretariats"] == [
        {
            "mechanism": {
                "slug": "cicc",
                "name": "CICC",
                "url": "http://testserver/api/v1/mechanisms/cicc/",
            },
            "role": "chinese_secretariat",
            "side": "CN",
            "notes": "",
        }
    ]
    assert [p["mechanism"]["slug"] for p in body["participations"]] == ["cicc"]
    assert body["participations"][0]["person_name"] == "ZHANG Yujing"
    assert body["sources"][0]["title"] == "ACFSMC profile"
    assert body["hq_country"] == {
        "code": "CN",
        "name": "China",
        "region": "asia-pacific",
    }
    assert api.get(LIST + "acfsmc/").json()["children"][0]["slug"] == "council"
    assert api.get(LIST + "ica/").json()["members"][0]["member"]["slug"] == "council"


def test_it_shows_drafts_to_staff_only(api, staff_user):
    OrganisationFactory(slug="draft", status=Status.DRAFT)
    assert slugs(api.get(LIST)) == []
    api.force_authenticate(staff_user)
    assert slugs(api.get(LIST)) == ["draft"]
    assert api.get(LIST + "draft/").json()["status"] == "draft"


def test_it_gives_json_ld_by_parameter_or_accept_header(api):
    parent = OrganisationFactory(slug="acfsmc", name="ACFSMC", website="https://x.cn/")
    OrganisationFactory(slug="council", name="Council", parent=parent)
    by_format = api.get(LIST + "acfsmc/", {"format": "jsonld"})
    by_accept = api.get(LIST + "acfsmc/", HTTP_ACCEPT="application/ld+json")
    assert by_format["Content-Type"] == "application/ld+json"
    assert by_format.content == by_accept.content
    document = by_format.json()
    assert document["@context"]["@vocab"] == "https://schema.org/"
    assert document["@context"]["org"] == "http://www.w3.org/ns/org#"
    assert "Organization" in document["@type"]
    assert document["@id"] == "http://testserver/api/v1/organisations/acfsmc/"
    assert document["sameAs"] == "https://x.cn/"
    assert document["org:hasSubOrganization"][0]["name"] == "Council"
    assert document["address"]["addressCountry"] == "CN"


def test_it_answers_304_to_a_repeated_detail_request(api):
    organisation = OrganisationFactory(slug="ica")
    first = api.get(LIST + "ica/")
    etag = first["ETag"]
    assert first["Last-Modified"] == http_date(organisation.updated_at.timestamp())
    assert api.get(LIST + "ica/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert (
        api.get(
            LIST + "ica/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        ).status_code
        == 304
    )
    jsonld = api.get(LIST + "ica/", {"format": "jsonld"}, HTTP_IF_NONE_MATCH=etag)
    assert jsonld.status_code == 200 and jsonld["ETag"] != etag
    organisation.save()
    assert api.get(LIST + "ica/", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize("count", [1, 10])
def test_it_shows_a_detail_in_a_fixed_number_of_queries(
    api, count, django_assert_max_num_queries
):
    organisation = OrganisationFactory(slug="big", countries=["FI", "SE"])
    for _ in range(count):
        KeyFigureFactory(organisation=organisation)
        OrganisationFactory(parent=organisation)
        SecretariatFactory(organisation=organisation)
        ParticipantFactory(organisation=organisation)
    with django_assert_max_num_queries(16):
        assert api.get(LIST + "big/").status_code == 200


def test_it_hides_draft_relatives_from_the_public(api, staff_user):
    draft_parent = OrganisationFactory(slug="draft-parent", status=Status.DRAFT)
    child = OrganisationFactory(slug="child", parent=draft_parent)
    draft_club = OrganisationFactory(slug="club", status=Status.DRAFT)
    Membership.objects.create(member=child, organisation=draft_club)
    body = api.get(LIST + "child/").json()
    assert body["parent"] is None and body["memberships"] == []
    api.force_authenticate(staff_user)
    body = api.get(LIST + "child/").json()
    assert body["parent"]["slug"] == "draft-parent"
    assert body["memberships"][0]["organisation"]["slug"] == "club"
