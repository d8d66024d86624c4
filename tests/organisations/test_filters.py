import pytest

from mechanisms.filters import MechanismFilter
from mechanisms.models import Mechanism
from organisations.filters import OrganisationFilter
from organisations.models import Organisation
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    SecretariatFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


def run(filterset_class, model, params):
    filterset = filterset_class(params, queryset=model.objects.all())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def errors(filterset_class, model, params):
    filterset = filterset_class(params, queryset=model.objects.all())
    assert not filterset.is_valid()
    return filterset.errors


def test_it_filters_by_country_with_or_within_and_and_across():
    agriculture = SectorFactory(slug="agriculture")
    cn = OrganisationFactory(hq_country="CN", sectors=[agriculture])
    fi = OrganisationFactory(hq_country="FI", sectors=[agriculture])
    OrganisationFactory(hq_country="IT", sectors=[agriculture])
    OrganisationFactory(hq_country="CN")
    params = {"country": ["cn", "FI"], "sector": ["agriculture"], "ordering": "name"}
    assert run(OrganisationFilter, Organisation, params) == sorted(
        [cn, fi], key=lambda o: o.name
    )


def test_it_names_an_unknown_country_or_sector():
    assert "country" in errors(OrganisationFilter, Organisation, {"country": ["XX"]})
    assert "XX" in str(errors(OrganisationFilter, Organisation, {"country": ["XX"]}))
    assert "sector" in errors(OrganisationFilter, Organisation, {"sector": ["nope"]})
    assert "ordering" in errors(OrganisationFilter, Organisation, {"ordering": "pk"})
    assert "founded_after" in errors(
        OrganisationFilter, Organisation, {"founded_after": "abc"}
    )
    assert "q" in errors(OrganisationFilter, Organisation, {"q": "x" * 5000})
    assert "q" in errors(OrganisationFilter, Organisation, {"q": "a\x00b"})


def test_it_filters_by_founding_years_and_region():
    old = OrganisationFactory(founded_year=1895, hq_country="BE")
    OrganisationFactory(founded_year=1952, hq_country="CN")
    params = {"founded_before": "1900", "region": ["europe"]}
    assert run(OrganisationFilter, Organisation, params) == [old]


def test_it_ranks_name_matches_first():
    text_hit = OrganisationFactory(name="Alpha", summary="about cooperatives")
    name_hit = OrganisationFactory(name="Cooperatives United")
    assert run(OrganisationFilter, Organisation, {"q": "cooperatives"}) == [
        name_hit,
        text_hit,
    ]


def test_it_filters_mechanisms_by_organisation_and_scope():
    cccme = OrganisationFactory(slug="cccme")
    hosted = MechanismFactory(scope="bilateral", countries=["CN", "FI"])
    SecretariatFactory(mechanism=hosted, organisation=cccme)
    MechanismFactory(scope="bilateral", countries=["FI"])
    MechanismFactory(scope="multilateral")
    params = {"organisation": "cccme", "scope": ["bilateral"], "country": ["FI"]}
    assert run(MechanismFilter, Mechanism, params) == [hosted]
    assert "organisation" in errors(MechanismFilter, Mechanism, {"organisation": "x"})


def test_a_sector_filter_names_each_unknown_slug_and_takes_sub_sectors():
    food = SectorFactory(slug="food", name="Food")
    dairy = SectorFactory(slug="dairy", name="Dairy", parent=food)
    cheese = SectorFactory(slug="cheese", name="Cheese", parent=dairy)
    in_cheese = OrganisationFactory(sectors=[cheese])
    OrganisationFactory(sectors=[SectorFactory(slug="banking")])
    assert "nope" in str(
        errors(OrganisationFilter, Organisation, {"sector": ["food", "nope"]})
    )
    assert errors(OrganisationFilter, Organisation, {"sector": ["fo\x00od"]}) == {
        "sector": ["Null characters are not allowed."]
    }
    filterset = OrganisationFilter(
        {"sector": ["dairy", "food"]}, queryset=Organisation.objects.all()
    )
    assert filterset.is_valid(), filterset.errors
    # The chosen sectors, once each, in the sectors' own order (by name).
    assert filterset.form.cleaned_data["sector"] == [dairy, food]
    assert list(filterset.qs) == [in_cheese]  # two levels down
    found = filterset.found()
    assert [record.pk for record in found[:10]] == [in_cheese.pk]


def test_a_sector_filter_sees_sectors_added_renamed_and_deleted_at_once():
    OrganisationFactory(sectors=[SectorFactory(slug="energy", name="Energy")])
    assert "solar" in str(
        errors(OrganisationFilter, Organisation, {"sector": ["solar"]})
    )  # the sectors are now read (and kept for this version of the index)
    energy = Organisation.objects.get().sectors.get()
    solar = SectorFactory(slug="solar", name="Solar", parent=energy)
    on_the_roof = OrganisationFactory(sectors=[solar])
    assert run(OrganisationFilter, Organisation, {"sector": ["solar"]}) == [on_the_roof]
    assert len(run(OrganisationFilter, Organisation, {"sector": ["energy"]})) == 2
    solar.name, solar.slug = "Solar power", "solar-power"
    solar.save()
    facets = OrganisationFilter(
        {"sector": ["solar-power"]}, queryset=Organisation.objects.all()
    ).found()
    assert {row["label"] for row in facets.facet_counts(["sector"])["sector"]} == {
        "Energy",
        "Solar power",
    }
    assert "solar" in str(
        errors(OrganisationFilter, Organisation, {"sector": ["solar"]})
    )
    on_the_roof.sectors.clear()
    solar.delete()
    assert "solar-power" in str(
        errors(OrganisationFilter, Organisation, {"sector": ["solar-power"]})
    )


def test_a_search_by_sector_reads_the_sectors_once_per_version_of_the_index(
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    food = SectorFactory(slug="food", name="Food")
    OrganisationFactory(
        name="Dairy Union", hq_country="FI", sectors=[SectorFactory(parent=food)]
    )
    params = {"q": "dairy", "country": ["FI"], "sector": ["food"]}

    def search():
        filterset = OrganisationFilter(
            params, queryset=Organisation.objects.published().for_list()
        )
        assert filterset.is_valid(), filterset.errors
        found = filterset.found()
        page = list(found[:20])
        facets = found.facet_counts(["country", "sector", "kind", "region"])
        return page, facets

    first_page, first_facets = search()
    with CaptureQueriesContext(connection) as queries:
        page, facets = search()
    assert page == first_page and len(page) == 1
    assert facets == first_facets
    assert facets["sector"][0]["value"] in {"food", page[0].sectors.get().slug}
    read = [q["sql"] for q in queries.captured_queries]
    # The page's own sectors (its prefetch) are read; no look-up of a slug,
    # of sub-sectors or of labels is.
    assert not [sql for sql in read if '"organisations_sector"."slug" IN' in sql]
    assert not [
        sql for sql in read if 'WHERE ("organisations_sector"."parent_id" IN' in sql
    ]
    assert len([sql for sql in read if 'FROM "organisations_sector"' in sql]) <= 1
