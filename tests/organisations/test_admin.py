import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import Organisation, Status
from tests.factories import OrganisationFactory, SectorFactory, SourceFactory

pytestmark = pytest.mark.django_db


def inline_management(response, rows):
    """Return the POST data of every inline formset on an admin form page.

    rows maps a formset prefix to the list of dicts of its filled-in forms.
    """
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        filled = rows.get(formset.prefix, [])
        data[f"{formset.prefix}-TOTAL_FORMS"] = (
            len(filled) + formset.initial_form_count()
        )
        data[f"{formset.prefix}-INITIAL_FORMS"] = formset.initial_form_count()
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = 0
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = 1000
        for form in formset.initial_forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                data[f"{form.prefix}-{name}"] = getattr(value, "pk", value) or ""
        for i, row in enumerate(filled, formset.initial_form_count()):
            for name, value in row.items():
                data[f"{formset.prefix}-{i}-{name}"] = value
    assert set(rows) <= {
        i.formset.prefix for i in response.context["inline_admin_formsets"]
    }
    return data


def test_it_creates_an_organisation_with_its_inlines_through_the_add_form(
    client, publisher
):
    client.force_login(publisher)
    sector = SectorFactory(name="Agriculture", slug="agriculture")
    source = SourceFactory()
    parent = OrganisationFactory(name="International Co-operative Alliance")
    url = reverse("admin:organisations_organisation_add")
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "name": "Cooperatives Europe",
        "acronym": "CE",
        "slug": "cooperatives-europe",
        "native_name": "",
        "native_language": "",
        "kind": "office",
        "status": "draft",
        "parent": parent.pk,
        "relation_to_parent": "regional_office",
        "governance": "",
        "hq_country": "BE",
        "hq_city": "Brussels",
        "founded_year": "2006",
        "founded_month": "",
        "founded_day": "",
        "sectors": [sector.pk],
        "sources": [source.pk],
        "website": "https://coopseurope.coop",
        "summary": "The ICA's European region.",
        "description": "",
        "loaded_version": "",
    }
    data |= inline_management(
        page,
        {
            "other_names": [{"name": "ICA Europe", "language": "en", "kind": "alias"}],
            "duties": [{"position": 1, "text": "Represent European cooperatives."}],
            "countries": [{"country": "FR"}],
            "regions_served": [{"region": "europe"}],
            "key_figures": [
                {
                    "label": "Member organisations",
                    "metric": "member_organisations",
                    "period": "current",
                    "value": "84",
                    "qualifier": "exact",
                    "unit": "organisations",
                    "source": source.pk,
                    "position": 0,
                }
            ],
            "memberships": [{"organisation": parent.pk, "kind": "full"}],
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org = Organisation.objects.get(slug="cooperatives-europe")
    assert org.parent == parent
    assert org.status == Status.DRAFT
    assert [n.name for n in org.other_names.all()] == ["ICA Europe"]
    assert [d.text for d in org.duties.all()] == ["Represent European cooperatives."]
    assert sorted(str(c.country) for c in org.countries.all()) == ["BE", "FR"]
    assert [r.region for r in org.regions_served.all()] == ["europe"]
    figure = org.key_figures.get()
    assert figure.value == 84 and figure.unit == "organisations"
    assert org.memberships.get().organisation == parent
    assert list(org.sectors.all()) == [sector]


def test_it_refuses_an_invalid_inline_row_and_saves_nothing(client, publisher):
    client.force_login(publisher)
    url = reverse("admin:organisations_organisation_add")
    page = client.get(url)
    data = {
        "name": "Broken",
        "slug": "broken",
        "kind": "federation",
        "status": "draft",
        "loaded_version": "",
    }
    data |= inline_management(
        page,
        {
            "key_figures": [
                {
                    "label": "Members",
                    "metric": "members",
                    "period": "year",
                    "value": "-5",
                    "qualifier": "exact",
                    "unit": "people",
                    "position": 0,
                }
            ]
        },
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Organisation.objects.filter(slug="broken").exists()


def test_the_change_list_filters_by_country_rows_and_searches_other_names(
    client, publisher
):
    client.force_login(publisher)
    german = OrganisationFactory(name="Raiffeisen", hq_country="DE")
    works_in_germany = OrganisationFactory(
        name="Alliance", hq_country="BE", countries=["DE"]
    )
    OrganisationFactory(name="Elsewhere", hq_country="FR")
    url = reverse("admin:organisations_organisation_changelist")
    response = client.get(url, {"country": "DE"})
    shown = set(response.context["cl"].result_list)
    assert shown == {german, works_in_germany}
    response = client.get(url, {"q": "Raiff"})
    assert list(response.context["cl"].result_list) == [german]


def test_the_autocomplete_finds_organisations_for_the_parent_field(client, publisher):
    client.force_login(publisher)
    OrganisationFactory(name="China Co-op", acronym="ACFSMC")
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ACFS",
            "app_label": "organisations",
            "model_name": "organisation",
            "field_name": "parent",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["China Co-op (ACFSMC)"]


def test_the_change_form_shows_timestamps_read_only_and_links_to_the_site(
    client, publisher
):
    client.force_login(publisher)
    org = OrganisationFactory()
    response = client.get(
        reverse("admin:organisations_organisation_change", args=[org.pk])
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "created_at" not in form.fields and "updated_at" not in form.fields
    assert "View on site" in response.content.decode()


def test_sectors_and_sources_are_editable(client, publisher):
    client.force_login(publisher)
    response = client.post(
        reverse("admin:organisations_sector_add"),
        {"name": "Housing", "slug": "housing", "name_zh": "", "description": ""},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:organisations_source_add"),
        {"title": "ICA website", "publisher": "ICA", "url": "", "excerpt": ""},
    )
    assert response.status_code == 302


def test_deleting_a_parent_keeps_its_children_without_the_relation(client, publisher):
    client.force_login(publisher)
    parent = OrganisationFactory()
    child = OrganisationFactory(parent=parent, relation_to_parent="regional_office")
    url = reverse("admin:organisations_organisation_delete", args=[parent.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    child.refresh_from_db()
    assert child.parent is None and child.relation_to_parent == ""


def test_the_change_list_query_count_does_not_grow_with_its_length(
    client, publisher, django_assert_max_num_queries
):
    client.force_login(publisher)
    url = reverse("admin:organisations_organisation_changelist")
    parent = OrganisationFactory()
    OrganisationFactory.create_batch(2, parent=parent)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    OrganisationFactory.create_batch(20, parent=parent, hq_country="FR")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
