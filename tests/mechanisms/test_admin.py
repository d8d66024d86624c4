import pytest
from django.urls import reverse

from mechanisms.models import Mechanism
from tests.factories import MechanismFactory, OrganisationFactory, SourceFactory
from tests.organisations.test_admin import inline_management

pytestmark = pytest.mark.django_db


def test_it_creates_a_mechanism_with_its_inlines_through_the_add_form(
    client, publisher
):
    client.force_login(publisher)
    cccme = OrganisationFactory(name="CCCME")
    ice = OrganisationFactory(name="ICE", hq_country="IT")
    source = SourceFactory()
    parent = MechanismFactory(name="China-Italy Business Forum")
    url = reverse("admin:mechanisms_mechanism_add")
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "name": "China-Italy Business Council",
        "slug": "china-italy-business-council",
        "acronym": "",
        "native_name": "中意企业家委员会",
        "native_language": "zh-Hans",
        "kind": "business_council",
        "scope": "bilateral",
        "parent": parent.pk,
        "status": "review",
        "founded_year": "2014",
        "founded_month": "6",
        "founded_day": "",
        "origin": "",
        "origin_event": "",
        "origin_instrument": "",
        "origin_year": "",
        "origin_month": "",
        "website": "",
        "purpose": "",
        "summary": "",
        "description": "",
        "loaded_version": "",
    }
    data |= inline_management(
        page,
        {
            "other_names": [
                {
                    "name": "Sino-Italian Business Council",
                    "language": "en",
                    "kind": "alias",
                }
            ],
            "countries": [{"country": "CN"}, {"country": "IT"}],
            "subnational_participants": [
                {
                    "name": "Lombardy",
                    "native_name": "",
                    "kind": "region",
                    "country": "IT",
                }
            ],
            "secretariats": [
                {"organisation": cccme.pk, "side": "CN", "role": "chinese_secretariat"},
                {"organisation": ice.pk, "side": "IT", "role": "foreign_secretariat"},
            ],
            "participants": [
                {
                    "organisation": cccme.pk,
                    "role": "chair",
                    "side": "CN",
                    "person_name": "ZHANG Yujing",
                    "person_title": "President of CCCME",
                }
            ],
            "figures": [
                {
                    "label": "Working groups",
                    "metric": "working_groups",
                    "period": "current",
                    "value": "7",
                    "qualifier": "exact",
                    "unit": "groups",
                    "source": source.pk,
                    "position": 0,
                }
            ],
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    mechanism = Mechanism.objects.get(slug="china-italy-business-council")
    assert mechanism.parent == parent
    assert mechanism.founded_display == "2014-06"
    assert [n.name for n in mechanism.other_names.all()] == [
        "Sino-Italian Business Council"
    ]
    assert sorted(str(c.country) for c in mechanism.countries.all()) == ["CN", "IT"]
    assert mechanism.subnational_participants.get().name == "Lombardy"
    assert {
        (s.organisation.name, str(s.side)) for s in mechanism.secretariats.all()
    } == {
        ("CCCME", "CN"),
        ("ICE", "IT"),
    }
    assert mechanism.participants.get().person_name == "ZHANG Yujing"
    assert mechanism.figures.get().value == 7


def test_the_change_list_filters_by_country_and_scope(client, publisher):
    client.force_login(publisher)
    italian = MechanismFactory(countries=["CN", "IT"])
    MechanismFactory(countries=["CN", "FI"], scope="multilateral")
    url = reverse("admin:mechanisms_mechanism_changelist")
    response = client.get(url, {"country": "IT"})
    assert list(response.context["cl"].result_list) == [italian]
    response = client.get(url, {"scope__exact": "bilateral"})
    assert list(response.context["cl"].result_list) == [italian]
