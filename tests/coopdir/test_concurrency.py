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
