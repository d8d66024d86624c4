import pytest
from django.test import Client
from django.utils import translation

from coopdir.search import facet_counts, search_all
from mechanisms.models import Mechanism
from organisations.models import Organisation
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def test_it_counts_each_record_once_per_value():
    agriculture = SectorFactory(slug="agriculture", name="Agriculture")
    OrganisationFactory(hq_country="CN", countries=["FI", "SE"], sectors=[agriculture])
    OrganisationFactory(hq_country="CN", kind="chamber")
    OrganisationFactory(hq_country="AQ")
    facets = facet_counts(Organisation.objects.all())
    assert facets["country"][0] == {"value": "CN", "label": "China", "count": 2}
    regions = {row["value"]: row["count"] for row in facets["region"]}
    assert regions == {"asia-pacific": 2, "europe": 1}
    assert facets["sector"] == [
        {"value": "agriculture", "label": "Agriculture", "count": 1}
    ]
    kinds = {row["value"]: row["count"] for row in facets["kind"]}
    assert kinds == {"federation": 2, "chamber": 1}


def test_it_counts_only_the_result_set():
    OrganisationFactory(hq_country="CN", name="Alpha")
    OrganisationFactory(hq_country="FI", name="Beta")
    facets = facet_counts(Organisation.objects.filter(name="Beta"), facets=["country"])
    assert facets == {"country": [{"value": "FI", "label": "Finland", "count": 1}]}


def test_it_counts_mechanism_scopes_and_searches_both_kinds():
    MechanismFactory(
        name="China-Finland Committee", scope="bilateral", countries=["FI"]
    )
    OrganisationFactory(name="Finland Chamber")
    facets = facet_counts(Mechanism.objects.all(), facets=["scope", "country"])
    assert facets["scope"][0]["count"] == 1
    hits = search_all("finland", [Organisation.objects.all(), Mechanism.objects.all()])
    assert [type(record).__name__ for record, rank in hits] == [
        "Mechanism",
        "Organisation",
    ]


def test_a_cached_count_is_labelled_in_the_language_that_reads_it():
    OrganisationFactory(hq_country="CN")
    queryset = Organisation.objects.all()
    with translation.override("en"):
        english = facet_counts(queryset, ["country", "region"])
    with translation.override("zh-hans"):
        chinese = facet_counts(queryset, ["country", "region"])
    with translation.override("en"):
        again = facet_counts(queryset, ["country", "region"])
    assert english["country"][0]["label"] == "China"
    assert chinese["country"][0]["label"] == "中国"
    assert chinese["region"][0]["label"] == "亚太"
    assert again == english


def test_the_home_page_is_in_the_language_of_its_reader_whoever_came_first(client):
    OrganisationFactory(hq_country="CN", countries=["FI"])
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/zh-hans/").content.decode()
    assert "中国" in chinese and "芬兰" in chinese and "欧洲" in chinese
    assert ">Finland<" not in chinese and ">Europe<" not in chinese
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Finland" in english and "芬兰" not in english
