"""Two people on one change form: only what each changed is written, and where
both changed the same thing, nothing is written until one of them chooses."""

from decimal import Decimal

import pytest
import reversion
from django.test import Client
from django.urls import reverse

from organisations import merging
from organisations.models import KeyFigure, Organisation
from tests.admin_helpers import admin_form_data
from tests.factories import KeyFigureFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db

LONG_A = (
    "The union of supply and marketing cooperatives serves farmers across the "
    "country, running shops, wholesale markets and cold chains in every province."
)
LONG_B = (
    "The union of supply and marketing cooperatives serves farmers across the "
    "country, running shops, wholesale markets and cold chains in every county."
)


@pytest.fixture
def org():
    with reversion.create_revision():
        org = OrganisationFactory(name="Union", summary="Old summary")
        KeyFigureFactory(organisation=org, label="Turnover", value=Decimal("1000"))
    return org


@pytest.fixture
def two(publisher, editor):
    first, second = Client(), Client()
    first.force_login(publisher)
    second.force_login(publisher)
    return first, second


def url_of(org):
    return reverse("admin:organisations_organisation_change", args=[org.pk])


def choosing(page, choice, **changes):
    """Return the refused page's form as posted again with choice for every conflict."""
    data = admin_form_data(page, **changes)
    for conflict in page.context["merge"].conflicts:
        data[merging.TOKEN + conflict.key] = conflict.token
        data[merging.CHOICE + conflict.key] = choice
        if conflict.carried:
            data[merging.CARRIED + conflict.key] = conflict.carried
    return data


def test_the_same_field_is_a_conflict_shown_in_full_and_nothing_is_written(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    assert first.post(url, admin_form_data(page_a, summary=LONG_A)).status_code == 302

    refused = second.post(url, admin_form_data(page_b, summary=LONG_B, name="Union B"))
    assert refused.status_code == 200
    text = refused.content.decode()
    assert LONG_A in text and LONG_B in text  # both in full, side by side
    assert "<del>province</del><ins>county</ins>" in text.replace("\n", "")
    [conflict] = refused.context["merge"].conflicts
    assert conflict.key == "summary"
    org.refresh_from_db()
    assert (org.summary, org.name) == (LONG_A, "Union")  # nothing written yet

    # Saving again without choosing still writes nothing.
    again = second.post(url, admin_form_data(refused))
    assert again.status_code == 200
    assert Organisation.objects.get(pk=org.pk).name == "Union"

    chosen = second.post(url, choosing(refused, "mine"))
    assert chosen.status_code == 302
    org.refresh_from_db()
    assert (org.summary, org.name) == (LONG_B, "Union B")


def test_keeping_theirs_keeps_their_value_and_the_rest_of_mine(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, summary="Theirs"))
    refused = second.post(url, admin_form_data(page_b, summary="Mine", hq_city="Xi'an"))
    assert refused.status_code == 200
    assert second.post(url, choosing(refused, "theirs")).status_code == 302
    org.refresh_from_db()
    assert (org.summary, org.hq_city) == ("Theirs", "Xi'an")


def test_a_choice_made_before_another_save_is_asked_again(two, org, publisher):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, summary="Theirs"))
    refused = second.post(url, admin_form_data(page_b, summary="Mine"))
    third = Client()
    third.force_login(publisher)
    third.post(url, admin_form_data(third.get(url), summary="Theirs again"))

    again = second.post(url, choosing(refused, "mine"))
    assert again.status_code == 200
    assert Organisation.objects.get(pk=org.pk).summary == "Theirs again"


def test_a_key_figure_changed_inline_survives_a_stale_summary_save(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    assert (
        first.post(url, admin_form_data(page_a, **{"key_figures-0-value": "2000"}))
    ).status_code == 302

    saved = second.post(url, admin_form_data(page_b, summary="New summary"))
    assert saved.status_code == 302
    org.refresh_from_db()
    assert org.summary == "New summary"
    assert org.key_figures.get().value == Decimal("2000")


def test_a_key_figure_changed_on_its_own_page_survives_a_save_of_the_record(two, org):
    first, second = two
    url = url_of(org)
    page_b = second.get(url)
    figure = org.key_figures.get()
    figure_url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])
    page = first.get(figure_url)
    assert (
        first.post(figure_url, admin_form_data(page, value="3000")).status_code == 302
    )

    assert second.post(url, admin_form_data(page_b, summary="S")).status_code == 302
    assert KeyFigure.objects.get(pk=figure.pk).value == Decimal("3000")


def test_both_editing_other_fields_of_one_row_merges_the_row(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, **{"key_figures-0-value": "2000"}))
    saved = second.post(url, admin_form_data(page_b, **{"key_figures-0-year": "2021"}))
    assert saved.status_code == 302
    figure = org.key_figures.get()
    assert (figure.value, figure.year) == (Decimal("2000"), 2021)


@pytest.mark.parametrize("choice", ["theirs", "mine"])
def test_a_row_they_edited_and_i_deleted_is_chosen_explicitly(two, org, choice):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, **{"key_figures-0-value": "2000"}))

    refused = second.post(
        url, admin_form_data(page_b, **{"key_figures-0-DELETE": "on"})
    )
    assert refused.status_code == 200
    [conflict] = refused.context["merge"].conflicts
    assert conflict.kind == "deleted_by_you"
    assert (
        "2000" in conflict.lines[[x.label for x in conflict.lines].index("Value")].old
    )
    assert org.key_figures.get().value == Decimal("2000")

    assert second.post(url, choosing(refused, choice)).status_code == 302
    left = list(org.key_figures.values_list("value", flat=True))
    assert left == ([Decimal("2000")] if choice == "theirs" else [])


@pytest.mark.parametrize("choice", ["theirs", "mine"])
def test_a_row_they_deleted_and_i_edited_is_chosen_explicitly(two, org, choice):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, **{"key_figures-0-DELETE": "on"}))
    assert not org.key_figures.exists()

    refused = second.post(
        url, admin_form_data(page_b, **{"key_figures-0-value": "5000"}, summary="S")
    )
    assert refused.status_code == 200
    [conflict] = refused.context["merge"].conflicts
    assert conflict.kind == "deleted_by_them"
    assert not org.key_figures.exists()
    assert Organisation.objects.get(pk=org.pk).summary == "Old summary"

    assert second.post(url, choosing(refused, choice)).status_code == 302
    left = list(org.key_figures.values_list("value", flat=True))
    assert left == ([] if choice == "theirs" else [Decimal("5000")])
    assert Organisation.objects.get(pk=org.pk).summary == "S"


def test_a_row_they_deleted_and_i_left_alone_stays_deleted(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, **{"key_figures-0-DELETE": "on"}))
    assert second.post(url, admin_form_data(page_b, summary="S")).status_code == 302
    assert not org.key_figures.exists()


def test_sectors_each_added_are_both_kept(two, org):
    one, other = SectorFactory(), SectorFactory()
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, sectors=[one.pk]))
    assert (
        second.post(url, admin_form_data(page_b, sectors=[other.pk])).status_code == 302
    )
    assert set(org.sectors.all()) == {one, other}


def test_their_changes_are_listed_in_full_on_a_refusal(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(
        url,
        admin_form_data(page_a, description=LONG_A, **{"key_figures-0-value": "7"}),
    )
    refused = second.post(url, admin_form_data(page_b, description=LONG_B))
    titles = [c.title for c in refused.context["merge"].theirs]
    assert "Description" in titles
    assert any(t.startswith("Key figure") for t in titles)


def test_word_diff_marks_whole_words_and_chinese_characters():
    assert merging.word_diff("in every province", "in every county") == [
        ("=", "in every "),
        ("-", "province"),
        ("+", "county"),
    ]
    assert merging.word_diff("供销合作", "供销社") == [
        ("=", "供销"),
        ("-", "合作"),
        ("+", "社"),
    ]


def test_the_same_change_made_by_both_is_no_conflict(two, org):
    first, second = two
    url = url_of(org)
    page_a, page_b = first.get(url), second.get(url)
    first.post(url, admin_form_data(page_a, summary="Agreed"))
    saved = second.post(url, admin_form_data(page_b, summary="Agreed", hq_city="Pu"))
    assert saved.status_code == 302
    org.refresh_from_db()
    assert (org.summary, org.hq_city) == ("Agreed", "Pu")


@pytest.mark.parametrize("carried", ["not json", '{"value": "5"}', "[1]"])
def test_a_mangled_row_posted_back_is_ignored_not_a_500(two, org, carried):
    first, _second = two
    url = url_of(org)
    data = admin_form_data(first.get(url), summary="S")
    data[merging.CARRIED + "key_figures-99999"] = carried
    assert first.post(url, data).status_code == 302
    assert Organisation.objects.get(pk=org.pk).summary == "S"
    assert org.key_figures.count() == 1
