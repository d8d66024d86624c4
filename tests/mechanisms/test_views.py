import json
import re

import pytest

from mechanisms.models import Participant, Secretariat
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    ParticipantFactory,
    SecretariatFactory,
    SectorFactory,
)
from tests.pages import build_directory

pytestmark = pytest.mark.django_db
LIST = "/mechanisms/"


@pytest.fixture
def directory():
    return build_directory()


def slugs(response):
    return {record.slug for record in response.context["results"]}


def test_it_lists_published_mechanisms_only(client, directory):
    response = client.get(LIST)
    assert slugs(response) == {"china-finland", "innovation-group"}
    assert "Secret Draft Council" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=business_council", {"china-finland"}),
        (
            "kind=business_council&kind=working_group",
            {"china-finland", "innovation-group"},
        ),
        ("scope=bilateral", {"china-finland", "innovation-group"}),
        ("scope=multilateral", set()),
        ("country=FI&sector=machinery", {"china-finland"}),
        ("region=europe&kind=working_group", {"innovation-group"}),
        ("country=CN,FI", {"china-finland", "innovation-group"}),
        ("organisation=cccme", {"china-finland"}),
        ("q=Innovation", {"innovation-group"}),
    ],
)
def test_it_filters(client, directory, query, expected):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert slugs(response) == expected


def test_it_offers_a_scope_facet_counted_for_the_result_set(client, directory):
    MechanismFactory(scope="multilateral", countries=["BR"])
    response = client.get(f"{LIST}?scope=multilateral")
    groups = {g["name"]: g for g in response.context["facet_groups"]}
    scopes = {v["value"]: v["count"] for v in groups["scope"]["values"]}
    assert scopes == {"bilateral": 2, "multilateral": 1}
    countries = {v["value"]: v["count"] for v in groups["country"]["values"]}
    assert countries == {"BR": 1}


def test_it_reads_comma_separated_values_as_chips(client, directory):
    response = client.get(f"{LIST}?country=CN,FI")
    assert [chip["label"] for chip in response.context["chips"]] == [
        "China",
        "Finland",
    ]


@pytest.mark.parametrize(
    "query", ["scope=sideways", "organisation=nobody", "page=abc", "q=%00%ff"]
)
def test_bad_input_gives_a_normal_page(client, directory, query):
    assert client.get(f"{LIST}?{query}").status_code == 200


def make_mechanisms(count):
    sector = SectorFactory(slug="trade")
    host = OrganisationFactory()
    parent = MechanismFactory()
    for _n in range(count):
        mechanism = MechanismFactory(
            parent=parent, sectors=[sector], countries=["CN", "IT"]
        )
        SecretariatFactory(mechanism=mechanism, organisation=host)


@pytest.mark.parametrize("count", [3, 30])
def test_its_query_count_does_not_grow_with_the_list(
    client, django_assert_max_num_queries, count
):
    make_mechanisms(count)
    with django_assert_max_num_queries(20):
        response = client.get(f"{LIST}?country=IT&sector=trade")
    assert response.context["result_count"] == count


def test_detail_shows_everything_known(client, directory):
    response = client.get(directory.council.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    for text in [
        "China-Finland Business Council",
        "Business council",
        "Bilateral",
        "2017",
        "Trade between China and Finland.",
        "ZHANG Yujing, President of CCCME",
        "Innovation Working Group",
        "Chinese secretariat",
        "Foreign secretariat",
    ]:
        assert text in body
    sides = {
        side: [s.organisation.slug for s in hosts]
        for side, hosts in response.context["secretariats_by_side"]
    }
    assert sides == {"China": ["cccme"], "Finland": ["ek"]}


def test_detail_orders_chairs_before_members(client, directory):
    ParticipantFactory(
        mechanism=directory.council,
        organisation=directory.finnish,
        role=Participant.Role.MEMBER,
    )
    response = client.get(directory.council.get_absolute_url())
    roles = [p.role for p in response.context["participants"]]
    assert roles == ["chair", "member"]


def test_detail_of_a_working_group_links_its_parent(client, directory):
    body = client.get(directory.group.get_absolute_url()).content.decode()
    assert "Part of" in body
    assert directory.council.get_absolute_url() in body


def test_detail_hides_draft_hosts(client, directory):
    draft_host = OrganisationFactory(name="Draft Host", status="draft")
    SecretariatFactory(
        mechanism=directory.council,
        organisation=draft_host,
        role=Secretariat.Role.SECRETARIAT,
    )
    body = client.get(directory.council.get_absolute_url()).content.decode()
    assert "Draft Host" not in body


def test_detail_carries_json_ld(client, directory):
    body = client.get(directory.council.get_absolute_url()).content.decode()
    data = json.loads(
        re.search(r'type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    )
    assert data["@type"] == "Organization"
    assert data["foundingDate"] == "2017"
    assert data["subOrganization"][0]["name"] == "Innovation Working Group"
    assert data["member"][0]["name"].startswith("China Chamber")


def test_drafts_are_404_and_previewed_by_staff(client, directory, staff_user):
    assert client.get("/mechanisms/secret-draft/").status_code == 404
    client.force_login(staff_user)
    assert client.get("/mechanisms/secret-draft/").status_code == 200
