import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from reversion.models import Version

from mechanisms.models import Mechanism
from organisations.models import Organisation, Status, can_publish
from tests.admin_helpers import admin_form_data
from tests.factories import MechanismFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:organisations_organisation_changelist"


def change_url(obj):
    return reverse(
        f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk]
    )


def test_the_groups_hold_the_right_publish_permission(editor, publisher):
    for model in (Organisation, Mechanism):
        assert not can_publish(editor, model)
        assert can_publish(publisher, model)
    assert editor.has_perm("organisations.add_organisation")
    assert editor.has_perm("organisations.change_organisation")
    assert not editor.has_perm("organisations.delete_organisation")
    assert publisher.has_perm("mechanisms.delete_mechanism")


def test_an_editor_creates_a_draft_and_sends_it_for_review(client, editor):
    client.force_login(editor)
    org = OrganisationFactory(status=Status.DRAFT)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "send_for_review", "_selected_action": [org.pk]},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == Status.REVIEW


@pytest.mark.parametrize("factory", [OrganisationFactory, MechanismFactory])
def test_the_form_refuses_publishing_by_an_editor(client, editor, factory):
    client.force_login(editor)
    record = factory(status=Status.REVIEW)
    url = change_url(record)
    response = client.post(url, admin_form_data(client.get(url), status="published"))
    assert response.status_code == 200
    assert "Only a publisher can publish" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Status.REVIEW


def test_a_publisher_publishes_through_the_form(client, publisher):
    client.force_login(publisher)
    org = OrganisationFactory(status=Status.REVIEW)
    url = change_url(org)
    response = client.post(url, admin_form_data(client.get(url), status="published"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.status == Status.PUBLISHED


def test_an_editor_has_no_publish_action_and_a_forged_one_changes_nothing(
    client, editor
):
    client.force_login(editor)
    org = OrganisationFactory(status=Status.REVIEW)
    page = client.get(reverse(CHANGELIST))
    actions = [name for name, _ in page.context["action_form"].fields["action"].choices]
    assert "send_for_review" in actions
    assert "publish" not in actions and "unpublish" not in actions
    assert "delete_selected" not in actions
    client.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [org.pk]}
    )
    org.refresh_from_db()
    assert org.status == Status.REVIEW


def test_a_published_record_is_read_only_to_an_editor(client, editor):
    client.force_login(editor)
    org = OrganisationFactory(status=Status.PUBLISHED, name="Approved")
    url = change_url(org)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = client.post(url, {"name": "Changed", "slug": org.slug})
    assert response.status_code == 403
    assert Organisation.objects.get(pk=org.pk).name == "Approved"


def test_an_editor_cannot_delete_records(client, editor):
    client.force_login(editor)
    org = OrganisationFactory(status=Status.DRAFT)
    url = reverse("admin:organisations_organisation_delete", args=[org.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Organisation.objects.filter(pk=org.pk).exists()


def test_publish_and_unpublish_actions_are_logged_and_kept_in_history(
    client, publisher
):
    client.force_login(publisher)
    draft = OrganisationFactory(status=Status.REVIEW)
    already = OrganisationFactory(status=Status.PUBLISHED)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [draft.pk, already.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Published: 1 record." in text
    assert "1 record was already in that state" in text
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    entry = LogEntry.objects.get(object_id=str(draft.pk))
    assert entry.user == publisher and "Published" in entry.get_change_message()
    assert not LogEntry.objects.filter(object_id=str(already.pk)).exists()
    version = Version.objects.get_for_object(draft).first()
    assert version.revision.user == publisher

    client.post(
        reverse("admin:mechanisms_mechanism_changelist"),
        {
            "action": "unpublish",
            "_selected_action": [m.pk for m in [MechanismFactory()]],
        },
    )
    assert Mechanism.objects.get().status == Status.DRAFT


def test_a_publisher_previews_a_draft_at_its_public_url(client, publisher):
    draft = OrganisationFactory(status=Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(publisher)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_the_import_page_is_closed_to_staff_without_add_permission(
    client, django_user_model
):
    viewer = django_user_model.objects.create_user(
        username="viewer", password="a-Long-test-passphrase-9", is_staff=True
    )
    client.force_login(viewer)
    url = reverse("admin:organisations_organisation_import")
    assert client.get(url).status_code == 403
