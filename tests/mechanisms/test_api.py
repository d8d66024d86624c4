import csv
import io

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from mechanisms.models import Mechanism, MechanismFigure, SubnationalParticipant
from organisations.models import Status
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    ParticipantFactory,
    SecretariatFactory,
    SectorFactory,
    SourceFactory,
    api_token,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/mechanisms/"


@pytest.fixture
def api():
    return APIClient()


def slugs(response):
    assert response.status_code == 200, response.content
    return sorted(item["slug"] for item in response.json()["results"])


@pytest.fixture
def mechanisms():
    cccme = OrganisationFactory(slug="cccme")
    ice = OrganisationFactory(slug="ice", hq_country="IT")
    energy = SectorFactory(slug="energy")
    machinery = SectorFactory(slug="machinery", parent=energy)
    italy = MechanismFactory(
        slug="china-italy",
        countries=["CN", "IT"],
        sectors=[machinery],
        founded_year=2004,
    )
    SecretariatFactory(
        mechanism=italy, organisation=ice, side="IT", role="foreign_secretariat"
    )
    finland = MechanismFactory(
        slug="china-finland",
        countries=["CN", "FI"],
        kind="advisory_committee",
        founded_year=2017,
    )
    ParticipantFactory(mechanism=finland, organisation=cccme, role="initiator")
    MechanismFactory(
        slug="cica",
        countries=["CN", "KZ", "RU"],
        scope="multilateral",
        founded_year=2010,
    )
    MechanismFactory(slug="draft", countries=["IT"], status=Status.DRAFT)
    return italy


def test_it_lists_every_mechanism_involving_italy_or_finland(api, mechanisms):
    assert slugs(api.get(LIST, {"country": ["IT", "FI"]})) == [
        "china-finland",
        "china-italy",
    ]
    assert slugs(api.get(LIST + "?country=it,fi")) == ["china-finland", "china-italy"]
    item = api.get(LIST, {"country": "IT"}).json()["results"][0]
    assert item["scope"] == "bilateral" and item["countries"] == ["CN", "IT"]


def test_it_filters_by_every_mechanism_parameter(api, mechanisms):
    assert slugs(api.get(LIST, {"scope": "multilateral"})) == ["cica"]
    assert slugs(api.get(LIST, {"kind": "advisory_committee"})) == ["china-finland"]
    assert slugs(api.get(LIST, {"sector": "energy"})) == ["china-italy"]
    assert slugs(api.get(LIST, {"organisation": "ice"})) == ["china-italy"]
    assert slugs(api.get(LIST, {"organisation": "cccme"})) == ["china-finland"]
    assert slugs(api.get(LIST, {"region": "europe", "scope": "bilateral"})) == [
        "china-finland",
        "china-italy",
    ]
    assert slugs(api.get(LIST, {"founded_after": 2005, "founded_before": 2012})) == [
        "cica"
    ]
    assert slugs(
        api.get(
            LIST,
            {"country": "CN", "scope": "bilateral,multilateral", "founded_after": 2010},
        )
    ) == ["china-finland", "cica"]
    ordered = api.get(LIST, {"ordering": "founded"}).json()["results"]
    assert [item["slug"] for item in ordered] == [
        "china-italy",
        "cica",
        "china-finland",
    ]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"scope": "global"}, "scope"),
        ({"organisation": "nobody"}, "organisation"),
        ({"country": "QQ"}, "country"),
        ({"ordering": "secret"}, "ordering"),
        ({"founded_after": "2O10"}, "founded_after"),
    ],
)
def test_it_names_the_bad_parameter(api, mechanisms, params, parameter):
    response = api.get(LIST, params)
    assert response.status_code == 400 and parameter in response.json()


def test_it_adds_scope_to_the_facets(api, mechanisms):
    facets = api.get(LIST, {"facets": "true"}).json()["facets"]
    assert {row["value"]: row["count"] for row in facets["scope"]} == {
        "bilateral": 2,
        "multilateral": 1,
    }
    assert {"country", "sector", "kind", "region"} <= set(facets)


def test_it_shows_a_complete_nested_detail(api, mechanisms):
    source = SourceFactory()
    group = MechanismFactory(slug="wg", parent=mechanisms, kind="working_group")
    MechanismFactory(slug="secret-wg", parent=mechanisms, status=Status.DRAFT)
    SubnationalParticipant.objects.create(
        mechanism=mechanisms, name="Guangdong", kind="province", country="CN"
    )
    MechanismFigure.objects.create(
        mechanism=mechanisms,
        label="Working groups",
        metric="working_groups",
        period="current",
        value=7,
        unit="bodies",
        source=source,
    )
    hidden = OrganisationFactory(slug="hidden", status=Status.DRAFT)
    SecretariatFactory(mechanism=mechanisms, organisation=hidden)
    body = api.get(LIST + "china-italy/").json()
    assert body["children"] == [
        {
            "slug": "wg",
            "name": group.name,
            "url": "http://testserver/api/v1/mechanisms/wg/",
            "kind": "working_group",
        }
    ]
    assert api.get(LIST + "wg/").json()["parent"]["slug"] == "china-italy"
    assert [s["organisation"]["slug"] for s in body["secretariats"]] == ["ice"]
    assert body["secretariats"][0]["side"] == "IT"
    assert body["subnational_participants"][0]["name"] == "Guangdong"
    assert body["figures"][0]["value"] == "7"
    assert [c["code"] for c in body["countries"]] == ["CN", "IT"]
    assert body["sectors"][0]["slug"] == "machinery"
    finland = api.get(LIST + "china-finland/").json()
    assert finland["participants"][0]["organisation"]["slug"] == "cccme"
    assert finland["participants"][0]["role"] == "initiator"


def test_it_gives_csv_and_json_ld(api, mechanisms):
    response = api.get(LIST, {"format": "csv", "country": "IT"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["slug"] for row in rows] == ["china-italy"]
    assert rows[0]["countries"] == "CN; IT"
    document = api.get(LIST + "china-italy/", HTTP_ACCEPT="application/ld+json").json()
    assert "Organization" in document["@type"]
    assert document["org:hasSite"][0]["@id"].endswith("/api/v1/organisations/ice/")


def test_it_answers_304_and_refuses_stale_writes(api, mechanisms, django_user_model):
    first = api.get(LIST, {"country": "IT"})
    assert (
        api.get(LIST, {"country": "IT"}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 304
    )
    detail = api.get(LIST + "china-italy/")
    assert (
        api.get(LIST + "china-italy/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code
        == 304
    )
    user = django_user_model.objects.create_user(username="ed", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["change_mechanism", "publish_mechanism"]
        )
    )
    writer = APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    ok = writer.patch(
        LIST + "china-italy/",
        {"purpose": "Trade", "countries": ["CN", "IT", "SM"]},
        format="json",
        HTTP_IF_MATCH=detail["ETag"],
    )
    assert ok.status_code == 200, ok.content
    assert [c["code"] for c in ok.json()["countries"]] == ["CN", "IT", "SM"]
    stale = writer.patch(
        LIST + "china-italy/",
        {"purpose": "X"},
        format="json",
        HTTP_IF_MATCH=detail["ETag"],
    )
    assert stale.status_code == 412
    assert Mechanism.objects.get(slug="china-italy").purpose == "Trade"
    invalid = writer.patch(LIST + "china-italy/", {"origin_month": 4}, format="json")
    assert invalid.status_code == 400
    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["change_mechanism"])
    )
    writer.credentials(HTTP_AUTHORIZATION=f"Token {api_token(editor)}")
    refused = writer.patch(LIST + "china-italy/", {"status": "draft"}, format="json")
    assert refused.status_code == 403
    refused = writer.patch(LIST + "china-italy/", {"purpose": "Y"}, format="json")
    assert refused.status_code == 403 and "published" in refused.json()["detail"]


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_in_a_fixed_number_of_queries(
    api, count, django_assert_max_num_queries
):
    sector = SectorFactory()
    for _ in range(count):
        parent = MechanismFactory(countries=["CN", "FI"], sectors=[sector])
        MechanismFactory(parent=parent, countries=["IT"])
    with django_assert_max_num_queries(6):
        assert len(api.get(LIST, {"page_size": 100}).json()["results"]) == 2 * count
    with django_assert_max_num_queries(11):
        api.get(LIST, {"facets": 1, "country": "CN,IT"})


@pytest.mark.parametrize("count", [1, 10])
def test_it_shows_a_detail_in_a_fixed_number_of_queries(
    api, count, django_assert_max_num_queries
):
    mechanism = MechanismFactory(slug="big", countries=["CN", "FI"])
    for _ in range(count):
        SecretariatFactory(mechanism=mechanism)
        ParticipantFactory(mechanism=mechanism)
        MechanismFactory(parent=mechanism)
    with django_assert_max_num_queries(13):
        assert api.get(LIST + "big/").status_code == 200
