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
