"""Editors' comfort: big records stay workable, the status menu offers what the
user may choose, the search is the directory's own, the add-user page is whole."""

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.admin_helpers import admin_form_data

pytestmark = pytest.mark.django_db

# The ACFSMC's change form (22 key figures, 2 other names, a duty, its sources)
# took 61 queries to show, one per figure for its source, sector and parent figure.
ACFSMC_FORM_QUERIES = 25
# A save validates each posted row (Django reads every row's primary key, source
# and check constraints on its own: about 12 queries a figure), merges it with the
# stored record and writes one version; 339 when measured.
ACFSMC_SAVE_QUERIES = 360


def acfsmc_url():
    org = Organisation.objects.get(slug="acfsmc")
    return reverse("admin:organisations_organisation_change", args=[org.pk])


def test_the_acfsmc_change_form_takes_a_few_queries_whatever_its_rows(
    client, seeded, publisher, django_assert_max_num_queries
):
    client.force_login(publisher)
    url = acfsmc_url()
    with django_assert_max_num_queries(ACFSMC_FORM_QUERIES):
        page = client.get(url)
    assert len(page.context["inline_admin_formsets"][4].formset.forms) == 22
    data = admin_form_data(page, summary="Apex body of China's supply cooperatives.")
    data["key_figures-3-value"] = "182345000001"
    with django_assert_max_num_queries(ACFSMC_SAVE_QUERIES):
        response = client.post(url, data)
    assert response.status_code == 302
    org = Organisation.objects.get(slug="acfsmc")
    assert org.key_figures.filter(value=182345000001).exists()


def status_choices(page):
    """Return the values the status menu offers, as the page shows it."""
    field = page.context["adminform"].form["status"]
    return [str(widget.data["value"]) for widget in field.subwidgets]


@pytest.mark.parametrize("model", ["organisation", "mechanism"])
def test_only_a_publisher_is_offered_published_in_the_status_menu(
    client, editor, publisher, model
):
    from tests.factories import MechanismFactory, OrganisationFactory

    app = "organisations" if model == "organisation" else "mechanisms"
    record = (OrganisationFactory if model == "organisation" else MechanismFactory)(
        status="draft"
    )
    add = reverse(f"admin:{app}_{model}_add")
    change = reverse(f"admin:{app}_{model}_change", args=[record.pk])
    client.force_login(editor)
    for url in (add, change):
        assert status_choices(client.get(url)) == ["draft", "review"]
    client.force_login(publisher)
    for url in (add, change):
        assert "published" in status_choices(client.get(url))


def test_a_published_record_says_why_an_editor_may_not_change_it(
    client, editor, publisher
):
    from tests.factories import OrganisationFactory

    org = OrganisationFactory(name="Union", status="published")
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    client.force_login(editor)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "review-refusal" in text
    assert "is published: only a publisher may change or delete it" in text
    # Read-only: no save button, the fields shown as text.
    assert 'name="_save"' not in text
    client.force_login(publisher)
    assert "review-refusal" not in client.get(url).content.decode()


def test_a_row_of_a_published_record_says_why_on_its_own_page(client, editor):
    from tests.factories import KeyFigureFactory, OrganisationFactory

    figure = KeyFigureFactory(organisation=OrganisationFactory(status="published"))
    client.force_login(editor)
    url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])
    text = client.get(url).content.decode()
    assert "belongs to the published organisation" in text


@pytest.mark.parametrize("term", ["gongxiao", "供销", "ACFSMC", "Suply and Marketing"])
def test_the_admin_search_finds_what_the_public_search_finds(
    client, seeded, editor, term
):
    client.force_login(editor)
    url = reverse("admin:organisations_organisation_changelist")
    found = client.get(url, {"q": term}).context["cl"].result_list
    assert "acfsmc" in [org.slug for org in found]
    public = client.get("/search/", {"q": term}).content.decode()
    assert "/organisations/acfsmc/" in public


def test_the_admin_search_still_finds_slugs_and_drafts(client, editor):
    from tests.factories import OrganisationFactory

    draft = OrganisationFactory(name="Hidden Union", slug="hu-draft", status="draft")
    OrganisationFactory(name="Other body", status="draft")
    client.force_login(editor)
    url = reverse("admin:organisations_organisation_changelist")
    for term in ("hu-draft", "Hidden"):
        found = client.get(url, {"q": term}).context["cl"].result_list
        assert list(found) == [draft]
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Hidden",
            "app_label": "organisations",
            "model_name": "organisation",
            "field_name": "parent",
        },
    ).json()
    assert [r["text"] for r in autocomplete["results"]] == ["Hidden Union"]


def test_the_add_user_page_makes_a_staff_member_of_a_group_in_one_step(superuser):
    from django.contrib.auth.models import Group, User
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    url = reverse("admin:auth_user_add")
    page = client.get(url)
    form = page.context["adminform"].form
    assert form["is_staff"].value() is True
    editors, _new = Group.objects.get_or_create(name="Editors")
    response = client.post(
        url,
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a-Long-test-passphrase-9",
            "password2": "a-Long-test-passphrase-9",
            "is_staff": "on",
            "groups": [editors.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newcomer")
    assert user.is_staff
    assert list(user.groups.all()) == [editors]
