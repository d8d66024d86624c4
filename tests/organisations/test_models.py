from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django_countries.data import COUNTRIES

from organisations.models import KeyFigure, Organisation, OrganisationCountry
from organisations.regions import REGION_BY_COUNTRY, Region, region_of
from tests.factories import KeyFigureFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def refused(fn):
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_it_refuses_a_founding_year_in_the_future():
    assert refused(lambda: OrganisationFactory(founded_year=2999))
    assert not refused(lambda: OrganisationFactory(founded_year=1895))


def test_it_refuses_an_organisation_as_its_own_parent():
    organisation = OrganisationFactory()
    organisation.parent = organisation
    assert refused(organisation.save)


def test_it_refuses_a_duplicate_slug():
    OrganisationFactory(slug="ica")
    assert refused(lambda: OrganisationFactory(slug="ica"))


def test_it_refuses_a_negative_count_but_not_a_negative_amount():
    assert refused(lambda: KeyFigureFactory(metric="members", unit="people", value=-1))
    assert not refused(lambda: KeyFigureFactory(metric="income", unit="CNY", value=-5))


def test_it_keeps_figures_at_full_magnitude():
    figure = KeyFigureFactory(value=Decimal("5300000000000"), qualifier="about")
    figure.refresh_from_db()
    assert figure.value == Decimal("5300000000000")
    assert figure.value_display == "about 5,300,000,000,000 CNY"


def test_a_figure_writes_its_unit_for_people_in_each_language():
    one = KeyFigureFactory(value=Decimal("1"), unit="bodies", metric="bodies")
    many = KeyFigureFactory(value=Decimal("14"), unit="bodies", metric="bodies")
    assert (one.value_display, many.value_display) == ("1 body", "14 bodies")
    with translation.override("zh-hans"):
        assert one.value_text == "1 个机构"
        assert one.value_display == "1 body"  # the API's stays English


def test_it_validates_partial_dates_and_loops():
    parent = OrganisationFactory()
    child = OrganisationFactory(parent=parent, relation_to_parent="subsidiary")
    parent.parent = child
    with pytest.raises(ValidationError) as error:
        parent.full_clean()
    assert "parent" in error.value.message_dict
    odd = Organisation(name="x", slug="x", kind="federation", founded_day=3)
    with pytest.raises(ValidationError) as error:
        odd.full_clean()
    assert "founded_day" in error.value.message_dict


def test_headquarters_country_is_a_country_row():
    organisation = OrganisationFactory(hq_country="FI", countries=["SE"])
    assert set(organisation.countries.values_list("country", flat=True)) == {"FI", "SE"}
    assert OrganisationCountry.objects.filter(country="FI").count() == 1


def test_it_filters_by_country_region_and_sector_with_subsectors():
    agriculture = SectorFactory(slug="agriculture", name="Agriculture")
    dairy = SectorFactory(slug="dairy", name="Dairy", parent=agriculture)
    chinese = OrganisationFactory(hq_country="CN", sectors=[dairy])
    finnish = OrganisationFactory(hq_country="FI")
    assert list(Organisation.objects.in_country("cn")) == [chinese]
    assert list(Organisation.objects.in_region(Region.EUROPE)) == [finnish]
    assert list(Organisation.objects.in_sector(agriculture)) == [chinese]


def test_every_country_but_antarctica_has_a_region():
    assert set(COUNTRIES) - set(REGION_BY_COUNTRY) == {"AQ"}
    assert region_of("cn") == Region.ASIA_PACIFIC
    assert region_of("AU") == Region.ASIA_PACIFIC
    assert region_of("US") == Region.AMERICAS
    assert region_of("XX") is None


def test_a_yearly_figure_needs_a_year():
    assert refused(lambda: KeyFigureFactory(year=None, period=KeyFigure.Period.YEAR))
    assert not refused(
        lambda: KeyFigureFactory(year=None, period=KeyFigure.Period.CURRENT)
    )


def test_deleting_a_parent_keeps_its_children_without_relation():
    parent = OrganisationFactory()
    child = OrganisationFactory(parent=parent, relation_to_parent="subsidiary")
    Organisation.objects.filter(pk=parent.pk).delete()
    child.refresh_from_db()
    assert (child.parent, child.relation_to_parent) == (None, "")
