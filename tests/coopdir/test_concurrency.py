import pytest
import reversion
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from mechanisms.models import Mechanism
from organisations import history
from organisations.models import Organisation
from tests.admin_helpers import admin_form_data
from tests.factories import MechanismFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def two_editors(user):
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    return first, second


def test_every_save_raises_the_version():
    org = OrganisationFactory()
    start = org.version
    org.summary = "Changed"
    org.save()
    org.save(update_fields=["summary"])
    org.refresh_from_db()
    assert org.version == start + 2


def test_a_stale_save_of_other_fields_merges_with_the_other_persons(publisher):
    with reversion.create_revision():
        org = OrganisationFactory(name="Old name", summary="Old summary")
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    first, second = two_editors(publisher)
    page_a, page_b = first.get(url), second.get(url)

    saved = first.post(url, admin_form_data(page_a, summary="First editor's summary"))
    assert saved.status_code == 302

    merged = second.post(url, admin_form_data(page_b, name="Second editor's name"))
    assert merged.status_code == 302
    org.refresh_from_db()
    assert org.summary == "First editor's summary"
    assert org.name == "Second editor's name"
    # The second save wrote only what the second editor changed.
    latest = LogEntry.objects.filter(object_id=str(org.pk)).latest("pk")
    assert latest.get_change_message() == "Changed Name."


def test_a_save_without_the_loaded_version_is_refused(client, publisher):
    org = OrganisationFactory(name="Kept")
    client.force_login(publisher)
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    data = admin_form_data(client.get(url), name="Overwritten")
    del data["loaded_version"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert Organisation.objects.get(pk=org.pk).name == "Kept"


def test_mechanisms_refuse_a_stale_save_too(publisher):
    mechanism = MechanismFactory(name="Council")
    url = reverse("admin:mechanisms_mechanism_change", args=[mechanism.pk])
    first, second = two_editors(publisher)
    page_a, page_b = first.get(url), second.get(url)
    assert first.post(url, admin_form_data(page_a, purpose="A")).status_code == 302
    response = second.post(url, admin_form_data(page_b, purpose="B"))
    assert response.status_code == 200
    assert Mechanism.objects.get(pk=mechanism.pk).purpose == "A"


def test_changes_since_names_only_what_was_edited():
    with reversion.create_revision():
        org = OrganisationFactory(summary="")
    loaded = org.version
    org.summary = "One"
    with reversion.create_revision():
        org.save()
    _latest, changes = history.changes_since(org, loaded)
    assert [(c.name, c.old, c.new) for c in changes] == [("summary", "", "One")]


def test_a_form_opened_before_a_row_was_edited_on_its_own_page_keeps_that_edit(
    editor, publisher
):
    from tests.factories import KeyFigureFactory

    org = OrganisationFactory(name="Union", summary="Old", status="draft")
    figure = KeyFigureFactory(organisation=org, label="Turnover", value=1000)
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    form_user, row_user = Client(), Client()
    form_user.force_login(publisher)
    row_user.force_login(editor)
    figure_url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])

    def edit_figure(value):
        page = row_user.get(figure_url)
        row_user.post(figure_url, admin_form_data(page, value=value))

    # Edited once before the form is opened (so the form shows 2000), once after:
    # the form must be merged against what it showed, not an older state.
    edit_figure("2000")
    page = form_user.get(url)
    edit_figure("3000")

    saved = form_user.post(url, admin_form_data(page, summary="New"), follow=True)
    assert saved.redirect_chain, saved.content.decode()[:2000]
    figure.refresh_from_db()
    org.refresh_from_db()
    assert (org.summary, figure.value) == ("New", 3000)
    # The merge told the person whose save came second what the other one changed.
    notes = [str(m) for m in saved.context["messages"]]
    assert any("Merged with the save by editor" in n for n in notes), notes
