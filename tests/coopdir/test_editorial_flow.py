"""The issue's 'done when', as a new editor and a publisher would go through it."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from organisations.models import Organisation, Status
from tests.admin_helpers import admin_form_data
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:organisations_organisation_changelist"


def spreadsheet():
    sheet = tablib.Dataset(headers=["name", "kind", "country", "city", "website"])
    for n in range(10):
        sheet.append([f"Coop {n}", "cooperative", "Deutschland", "Berlin", ""])
    return sheet.export("xlsx")


def test_import_edit_revert_and_publish(editor, publisher):
    as_editor, as_publisher = Client(), Client()
    as_editor.force_login(editor)
    as_publisher.force_login(publisher)

    # Ten organisations from a spreadsheet, after a dry run.
    page = as_editor.post(
        reverse("admin:organisations_organisation_import"),
        {
            "resource": "0",
            "format": "1",
            "import_file": SimpleUploadedFile("ten.xlsx", spreadsheet()),
        },
        follow=True,
    )
    assert "Dry run: 10 to create, 0 to change, 0 rejected" in page.content.decode()
    as_editor.post(reverse("admin:jobs_job_apply", args=[page.context["job"].pk]))
    assert Organisation.objects.filter(status=Status.DRAFT).count() == 10
    coop = Organisation.objects.get(name="Coop 3")
    assert str(coop.hq_country) == "DE"

    # A wrong edit, seen in the history and reverted.
    url = reverse("admin:organisations_organisation_change", args=[coop.pk])
    as_editor.post(url, admin_form_data(as_editor.get(url), hq_city="Bonn"))
    coop.refresh_from_db()
    assert coop.hq_city == "Bonn"
    history = as_editor.get(
        reverse("admin:organisations_organisation_history", args=[coop.pk])
    )
    assert "Changed Headquarters city" in history.content.decode()
    imported = Version.objects.get_for_object(coop).last()
    revert = reverse(
        "admin:organisations_organisation_revision", args=[coop.pk, imported.pk]
    )
    as_editor.post(revert, admin_form_data(as_editor.get(revert)))
    coop.refresh_from_db()
    assert coop.hq_city == "Berlin"

    # Sent for review by the editor, published by the publisher.
    as_editor.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [coop.pk]}
    )
    as_editor.post(
        reverse(CHANGELIST),
        {"action": "send_for_review", "_selected_action": [coop.pk]},
    )
    coop.refresh_from_db()
    assert coop.status == Status.REVIEW
    as_publisher.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [coop.pk]}
    )
    coop.refresh_from_db()
    assert coop.status == Status.PUBLISHED
    assert Client().get(coop.get_absolute_url()).status_code == 200


def action_messages(response):
    return [str(m) for m in response.context["messages"]]


def test_an_action_from_a_filtered_list_counts_what_it_left_alone(client, publisher):
    client.force_login(publisher)
    in_review = [OrganisationFactory(status=Status.REVIEW) for _ in range(2)]
    response = client.post(
        reverse(CHANGELIST) + "?status__exact=review",
        {"action": "publish", "_selected_action": [o.pk for o in in_review]},
        follow=True,
    )
    assert action_messages(response) == ["Published: 2 records."]


def test_an_action_names_the_records_already_in_that_state(client, publisher):
    client.force_login(publisher)
    draft = OrganisationFactory(status=Status.DRAFT)
    published = [OrganisationFactory(status=Status.PUBLISHED) for _ in range(2)]
    response = client.post(
        reverse(CHANGELIST) + "?status__exact=published",
        {
            "action": "unpublish",
            "select_across": "1",
            "_selected_action": [published[0].pk],
        },
        follow=True,
    )
    assert action_messages(response) == ["Unpublished: 2 records."]
    still_published = OrganisationFactory(status=Status.PUBLISHED)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [draft.pk, still_published.pk]},
        follow=True,
    )
    assert action_messages(response) == [
        "Published: 1 record.",
        "1 record was already in that state and was left alone.",
    ]
