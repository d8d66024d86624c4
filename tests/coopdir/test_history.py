from decimal import Decimal

import pytest
import reversion
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from organisations import history as history_module
from organisations.models import (
    Duty,
    Membership,
    Organisation,
    OrganisationName,
    Sector,
)
from tests.admin_helpers import admin_form_data
from tests.factories import KeyFigureFactory, OrganisationFactory, SecretariatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(client, publisher):
    """An organisation created and then wrongly edited, both through the admin."""
    client.force_login(publisher)
    org = OrganisationFactory(name="Alliance", summary="Right summary", status="draft")
    OrganisationName.objects.create(organisation=org, name="The Alliance", kind="alias")
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    assert client.post(url, admin_form_data(client.get(url))).status_code == 302
    page = client.get(url)
    data = admin_form_data(page, summary="Wrong summary")
    data["other_names-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    return org


def test_the_history_lists_who_changed_what_and_when(client, edited):
    url = reverse("admin:organisations_organisation_history", args=[edited.pk])
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "publisher" in text
    assert "Changed Summary" in text
    # The state before the first edit, then the one edit (the first save changed
    # nothing, so it is no version).
    assert len(response.context["action_list"]) == 2


def test_the_compare_view_shows_the_field_and_inline_differences(client, edited):
    new, old = Version.objects.get_for_object(edited)[:2]
    url = reverse("admin:organisations_organisation_compare", args=[edited.pk])
    response = client.get(url, {"old": old.pk, "new": new.pk})
    assert response.status_code == 200
    changes = {c.label: (c.old, c.new) for c in response.context["field_changes"]}
    assert changes == {"summary": ("Right summary", "Wrong summary")}
    related = response.context["related_changes"]
    assert [(r.action, r.old) for r in related] == [("removed", "The Alliance")]


def test_the_compare_view_answers_404_for_a_version_of_another_record(client, edited):
    with reversion.create_revision():
        other_org = OrganisationFactory()
    other = Version.objects.get_for_object(other_org).get()
    url = reverse("admin:organisations_organisation_compare", args=[edited.pk])
    assert client.get(url, {"old": "x", "new": "1"}).status_code == 404
    assert client.get(url, {"old": other.pk, "new": other.pk}).status_code == 404


def test_reverting_brings_back_the_old_fields_and_the_deleted_inline(client, edited):
    old = Version.objects.get_for_object(edited)[1]
    url = reverse("admin:organisations_organisation_revision", args=[edited.pk, old.pk])
    page = client.get(url)
    assert page.status_code == 200
    version_before = Organisation.objects.get(pk=edited.pk).version
    response = client.post(url, admin_form_data(page))
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.summary == "Right summary"
    assert [n.name for n in edited.other_names.all()] == ["The Alliance"]
    assert edited.version > version_before


def test_a_deleted_record_is_recovered_with_its_inlines(client, edited):
    pk = edited.pk
    url = reverse("admin:organisations_organisation_change", args=[pk])
    data = admin_form_data(client.get(url))
    data |= {
        "other_names-TOTAL_FORMS": 1,
        "other_names-0-name": "Alliance Internationale",
        "other_names-0-language": "fr",
        "other_names-0-kind": "translation",
    }
    assert client.post(url, data).status_code == 302
    delete_url = reverse("admin:organisations_organisation_delete", args=[pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Organisation.objects.filter(pk=pk).exists()

    recover_list = client.get(reverse("admin:organisations_organisation_recoverlist"))
    assert "Alliance" in recover_list.content.decode()
    deleted = Version.objects.get_deleted(Organisation).get(object_id=str(pk))
    url = reverse("admin:organisations_organisation_recover", args=[deleted.pk])
    page = client.get(url)
    response = client.post(url, admin_form_data(page))
    assert response.status_code == 302
    org = Organisation.objects.get(pk=pk)
    assert org.summary == "Wrong summary"  # the last state before the delete
    assert str(org.countries.get().country) == "CN"
    assert [n.name for n in org.other_names.all()] == ["Alliance Internationale"]


def test_sectors_and_sources_keep_a_history(client, publisher):
    client.force_login(publisher)
    client.post(
        reverse("admin:organisations_sector_add"),
        {"name": "Housing", "slug": "housing"},
    )
    sector = Sector.objects.get(slug="housing")
    assert Version.objects.get_for_object(sector).count() == 1


def test_a_record_without_history_keeps_its_state_before_the_first_edit(
    client, publisher
):
    client.force_login(publisher)
    org = OrganisationFactory(summary="As loaded from the seed")
    assert not Version.objects.get_for_object(org).exists()
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    client.post(url, admin_form_data(client.get(url), summary="A wrong edit"))
    baseline = Version.objects.get_for_object(org).last()
    assert baseline.field_dict["summary"] == "As loaded from the seed"
    revert = reverse(
        "admin:organisations_organisation_revision", args=[org.pk, baseline.pk]
    )
    assert client.post(revert, admin_form_data(client.get(revert))).status_code == 302
    org.refresh_from_db()
    assert org.summary == "As loaded from the seed"


def test_an_action_records_one_revision_per_record(client, publisher):
    client.force_login(publisher)
    first, second = (
        OrganisationFactory(status="review"),
        OrganisationFactory(status="review"),
    )
    client.post(
        reverse("admin:organisations_organisation_changelist"),
        {"action": "publish", "_selected_action": [first.pk, second.pk]},
    )
    a = Version.objects.get_for_object(first).first().revision
    b = Version.objects.get_for_object(second).first().revision
    assert a != b
    assert a.comment == "Published:"


def test_a_textarea_sent_back_with_crlf_is_no_change(client, publisher):
    client.force_login(publisher)
    org = OrganisationFactory(description="One.\n\nTwo.")
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    data = admin_form_data(client.get(url), description="One.\r\n\r\nTwo.")
    data["summary"] = "Changed"
    assert client.post(url, data).status_code == 302
    org.refresh_from_db()
    assert org.description == "One.\n\nTwo."
    new, old = Version.objects.get_for_object(org)[:2]
    compare = reverse("admin:organisations_organisation_compare", args=[org.pk])
    response = client.get(compare, {"old": old.pk, "new": new.pk})
    assert [c.name for c in response.context["field_changes"]] == ["summary"]


def record_versions(record):
    return list(Version.objects.get_for_object(record).select_related("revision__user"))


def test_a_key_figure_edited_on_its_own_page_is_a_version_of_its_organisation(
    client, editor, publisher
):
    org = OrganisationFactory(name="Union", status="draft")
    figure = KeyFigureFactory(organisation=org, label="Turnover", value=1000)
    client.force_login(editor)
    url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])
    assert (
        client.post(url, admin_form_data(client.get(url), value="2000")).status_code
        == 302
    )

    latest = record_versions(org)[0]
    assert latest.revision.user == editor
    assert "Turnover" in latest.revision.get_comment()
    assert "Value" in latest.revision.get_comment()

    # The publisher who saves next is credited with their save only.
    as_publisher = Client()
    as_publisher.force_login(publisher)
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    page = as_publisher.get(url)
    as_publisher.post(url, admin_form_data(page, summary="Reviewed"))
    versions = record_versions(org)
    assert [v.revision.user for v in versions] == [publisher, editor, editor]
    history = as_publisher.get(
        reverse("admin:organisations_organisation_history", args=[org.pk])
    ).content.decode()
    assert "editor" in history

    # The organisation's compare view shows the figure as it was and became.
    baseline, edited = versions[2], versions[1]
    related = history_module.related_changes(baseline, edited)
    assert [(r.action, [c.name for c in r.fields]) for r in related] == [
        ("changed", ["value"])
    ]
    change = related[0].fields[0]
    assert (Decimal(change.old), Decimal(change.new)) == (1000, 2000)


def test_a_key_figure_deleted_on_its_own_page_is_a_version_of_its_organisation(
    client, editor
):
    org = OrganisationFactory(status="draft")
    figure = KeyFigureFactory(organisation=org, label="Members")
    figure.refresh_from_db()
    deleted_repr = str(figure)
    client.force_login(editor)
    url = reverse("admin:organisations_keyfigure_delete", args=[figure.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    deleted, baseline = record_versions(org)
    assert deleted.revision.user == editor
    assert "Members" in deleted.revision.get_comment()
    related = history_module.related_changes(baseline, deleted)
    assert [(r.action, r.old) for r in related] == [("removed", deleted_repr)]


def test_a_membership_edited_on_its_own_page_is_a_version_of_both_organisations(
    client, publisher
):
    member, body = OrganisationFactory(name="Member"), OrganisationFactory(name="Body")
    membership = Membership.objects.create(member=member, organisation=body)
    client.force_login(publisher)
    url = reverse("admin:organisations_membership_change", args=[membership.pk])
    client.post(url, admin_form_data(client.get(url), since_year="1995"))
    for org in (member, body):
        latest = record_versions(org)[0]
        assert latest.revision.user == publisher
        assert "Since (year)" in latest.revision.get_comment()


def test_a_secretariat_edited_on_its_own_page_is_a_version_of_its_mechanism(
    client, publisher
):
    secretariat = SecretariatFactory(notes="")
    client.force_login(publisher)
    url = reverse("admin:mechanisms_secretariat_change", args=[secretariat.pk])
    client.post(url, admin_form_data(client.get(url), notes="Hosted since 2019"))
    latest = record_versions(secretariat.mechanism)[0]
    assert latest.revision.user == publisher
    assert "Notes" in latest.revision.get_comment()


def test_saving_an_unchanged_form_records_no_version_and_no_log_entry(
    client, publisher
):
    client.force_login(publisher)
    with reversion.create_revision():
        org = OrganisationFactory(description="One.\n\nTwo.")
        Duty.objects.create(organisation=org, position=0, text="First.\nSecond.")
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    data = admin_form_data(client.get(url), description="One.\r\n\r\nTwo.")
    data["duties-0-text"] = "First.\r\nSecond."
    assert client.post(url, data).status_code == 302
    assert Version.objects.get_for_object(org).count() == 1
    assert not LogEntry.objects.exists()
    assert Organisation.objects.get(pk=org.pk).version == org.version


def test_line_ends_are_stored_as_lf_whoever_writes():
    org = OrganisationFactory(description="One.\r\nTwo.\rThree.")
    org.refresh_from_db()
    assert org.description == "One.\nTwo.\nThree."


def test_a_row_edited_on_its_own_page_raises_its_records_version(client, editor):
    """The change form's conflict check and the API's ETag read the record's
    version: a key figure changed on its own page must move it, or a form or a
    client holding the record as it was before cannot tell."""
    org = OrganisationFactory(name="Union", status="draft")
    figure = KeyFigureFactory(organisation=org, label="Turnover", value=1000)
    before = Organisation.objects.get(pk=org.pk).version
    client.force_login(editor)
    url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])
    assert (
        client.post(url, admin_form_data(client.get(url), value="2000")).status_code
        == 302
    )
    after = Organisation.objects.get(pk=org.pk).version
    assert after == before + 1
    # The version stored in the record's history carries the new number.
    assert record_versions(org)[0].field_dict["version"] == after

    delete = reverse("admin:organisations_keyfigure_delete", args=[figure.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert Organisation.objects.get(pk=org.pk).version == after + 1


def test_a_membership_edited_on_its_own_page_raises_both_versions(client, publisher):
    member, body = OrganisationFactory(name="Member"), OrganisationFactory(name="Body")
    membership = Membership.objects.create(member=member, organisation=body)
    before = {o.pk: Organisation.objects.get(pk=o.pk).version for o in (member, body)}
    client.force_login(publisher)
    url = reverse("admin:organisations_membership_change", args=[membership.pk])
    client.post(url, admin_form_data(client.get(url), since_year="1995"))
    for org in (member, body):
        assert Organisation.objects.get(pk=org.pk).version == before[org.pk] + 1


def test_saving_a_record_with_its_inline_rows_raises_its_version_once(
    client, publisher
):
    org = OrganisationFactory(name="Union", status="draft")
    KeyFigureFactory(organisation=org, label="Turnover", value=1000)
    KeyFigureFactory(organisation=org, label="Members", value=10)
    before = Organisation.objects.get(pk=org.pk).version
    client.force_login(publisher)
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    data = admin_form_data(client.get(url))
    data["key_figures-0-value"] = "1001"
    data["key_figures-1-value"] = "11"
    assert client.post(url, data).status_code == 302
    assert Organisation.objects.get(pk=org.pk).version == before + 1


def test_a_row_moved_to_another_record_is_a_version_of_both(client, publisher):
    old_home, new_home = (
        OrganisationFactory(name="Old"),
        OrganisationFactory(name="New"),
    )
    figure = KeyFigureFactory(organisation=old_home, label="Members", value=10)
    before = {
        o.pk: Organisation.objects.get(pk=o.pk).version for o in (old_home, new_home)
    }
    client.force_login(publisher)
    url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])
    page = client.get(url)
    assert (
        client.post(url, admin_form_data(page, organisation=new_home.pk)).status_code
        == 302
    )
    for org in (old_home, new_home):
        assert Organisation.objects.get(pk=org.pk).version == before[org.pk] + 1
        assert record_versions(org)[0].revision.user == publisher
    # The record it left shows it gone in its history.
    latest, baseline = record_versions(old_home)[:2]
    related = history_module.related_changes(baseline, latest)
    assert [r.action for r in related] == ["removed"]
