import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient
from reversion.models import Version

from organisations.models import Organisation, Status
from tests.factories import (
    OrganisationFactory,
    SecretariatFactory,
    SectorFactory,
    SourceFactory,
    api_token,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"
EDIT = ["add_organisation", "change_organisation", "delete_organisation"]


def client_for(user):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def make_user(django_user_model, name, perms=(), staff=True):
    user = django_user_model.objects.create_user(
        username=name, password="a-Long-test-passphrase-9", is_staff=staff
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


@pytest.fixture
def editor(django_user_model):
    return client_for(make_user(django_user_model, "editor", EDIT))


@pytest.fixture
def publisher(django_user_model):
    perms = [*EDIT, "publish_organisation"]
    return client_for(make_user(django_user_model, "publisher", perms))


NEW = {"slug": "new-body", "name": "New body", "kind": "federation", "hq_country": "CN"}


def test_it_refuses_writes_without_a_token_of_staff_with_the_permission(
    django_user_model,
):
    assert client_for(None).post(LIST, NEW, format="json").status_code == 401
    no_perms = client_for(make_user(django_user_model, "plain"))
    assert no_perms.post(LIST, NEW, format="json").status_code == 403
    not_staff = client_for(make_user(django_user_model, "outsider", EDIT, staff=False))
    assert not_staff.post(LIST, NEW, format="json").status_code == 403
    session = APIClient()
    session.force_login(make_user(django_user_model, "session", EDIT))
    assert session.post(LIST, NEW, format="json").status_code == 403
    OrganisationFactory(slug="ica")
    assert (
        no_perms.patch(LIST + "ica/", {"name": "X"}, format="json").status_code == 403
    )
    assert client_for(None).delete(LIST + "ica/").status_code == 401
    assert not Organisation.objects.filter(slug="new-body").exists()


def test_an_editor_creates_a_draft_with_its_relations(editor):
    agriculture = SectorFactory(slug="agriculture")
    source = SourceFactory()
    parent = OrganisationFactory(slug="acfsmc")
    payload = {
        **NEW,
        "parent": "acfsmc",
        "relation_to_parent": "council_body",
        "sectors": ["agriculture"],
        "countries": ["FI", "IT"],
        "sources": [source.pk],
        "founded_year": 1954,
    }
    response = editor.post(LIST, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["parent"]["slug"] == "acfsmc"
    assert [c["code"] for c in body["countries"]] == ["CN", "FI", "IT"]
    assert response["ETag"]
    created = Organisation.objects.get(slug="new-body")
    assert created.parent == parent and list(created.sectors.all()) == [agriculture]


def test_an_editor_cannot_publish_or_unpublish(editor):
    assert editor.post(
        LIST, {**NEW, "status": "published"}, format="json"
    ).status_code == (403)
    draft = OrganisationFactory(slug="draft", status=Status.DRAFT)
    published = OrganisationFactory(slug="live")
    response = editor.patch(LIST + "draft/", {"status": "published"}, format="json")
    assert response.status_code == 403
    assert "publish" in response.json()["detail"]
    assert editor.patch(
        LIST + "live/", {"status": "review"}, format="json"
    ).status_code == (403)
    assert editor.delete(LIST + "live/").status_code == 403
    assert editor.delete(LIST + "draft/").status_code == 204
    assert not Organisation.objects.filter(pk=draft.pk).exists()
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_an_editor_cannot_change_a_published_record_and_is_told_why(editor):
    OrganisationFactory(slug="live", name="Live body", summary="Approved")
    response = editor.patch(LIST + "live/", {"summary": "Unreviewed"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "published" in response.json()["detail"]
    assert "publisher" in response.json()["detail"]
    response = editor.put(LIST + "live/", {**NEW, "slug": "live"}, format="json")
    assert response.status_code == 403
    assert Organisation.objects.get(slug="live").summary == "Approved"


def test_a_publisher_changes_a_published_record(publisher):
    OrganisationFactory(slug="live", summary="Approved")
    response = publisher.patch(LIST + "live/", {"summary": "Better"}, format="json")
    assert response.status_code == 200
    assert Organisation.objects.get(slug="live").summary == "Better"


def test_a_publisher_publishes_and_unpublishes(publisher):
    assert publisher.post(
        LIST, {**NEW, "status": "published"}, format="json"
    ).status_code == (201)
    response = publisher.patch(LIST + "new-body/", {"status": "draft"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "draft"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"founded_month": 5}, "founded_month"),
        ({"founded_year": 2999}, "founded_year"),
        ({"founded_year": 2000, "founded_month": 2, "founded_day": 30}, "founded_day"),
        ({"relation_to_parent": "subsidiary"}, "non_field_errors"),
        ({"slug": "taken"}, "slug"),
        ({"slug": "not a slug"}, "slug"),
        ({"sectors": ["nope"]}, "sectors"),
        ({"countries": ["XX"]}, "countries"),
        ({"kind": "spaceship"}, "kind"),
        ({"parent": "nobody"}, "parent"),
        ({"name": ""}, "name"),
        ({"website": "not a url"}, "website"),
    ],
)
def test_it_validates_as_the_admin_does(editor, change, field):
    OrganisationFactory(slug="taken")
    response = editor.post(LIST, {**NEW, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_it_refuses_a_loop_of_parents(editor):
    top = OrganisationFactory(slug="top", status=Status.DRAFT)
    OrganisationFactory(slug="child", parent=top, status=Status.DRAFT)
    response = editor.patch(LIST + "top/", {"parent": "child"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()


def test_it_refuses_to_delete_a_body_still_in_use(editor, publisher):
    host = OrganisationFactory(slug="host", status=Status.DRAFT)
    SecretariatFactory(organisation=host)
    response = editor.delete(LIST + "host/")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_it_refuses_a_stale_write_with_412(editor):
    OrganisationFactory(slug="ica", name="ICA", status=Status.DRAFT)
    etag = editor.get(LIST + "ica/")["ETag"]
    first = editor.patch(
        LIST + "ica/", {"summary": "One"}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] != etag
    stale = editor.patch(
        LIST + "ica/", {"summary": "Two"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    body = stale.json()
    assert body["version"] == first.json()["version"]
    assert [(c["field"], c["old"], c["new"]) for c in body["changed"]] == [
        ("summary", "", "One")
    ]
    assert editor.delete(LIST + "ica/", HTTP_IF_MATCH=etag).status_code == 412
    current = editor.patch(
        LIST + "ica/", {"summary": "Two"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert current.status_code == 200
    assert Organisation.objects.get(slug="ica").summary == "Two"


def test_it_replaces_the_whole_record_on_put(editor):
    OrganisationFactory(slug="ica", summary="Old", acronym="ICA", status=Status.DRAFT)
    payload = {**NEW, "slug": "ica", "name": "International Cooperative Alliance"}
    response = editor.put(LIST + "ica/", payload, format="json")
    assert response.status_code == 200, response.content
    record = Organisation.objects.get(slug="ica")
    assert record.name == "International Cooperative Alliance"


def test_it_records_api_writes_in_the_history(editor):
    OrganisationFactory(slug="ica", name="ICA", countries=["BE"], status=Status.DRAFT)
    response = editor.patch(
        LIST + "ica/", {"summary": "Guardian", "countries": ["BE", "FI"]}, format="json"
    )
    assert response.status_code == 200
    record = Organisation.objects.get(slug="ica")
    versions = Version.objects.get_for_object(record)
    assert versions.count() == 2  # the state before, then the API's change
    assert versions[0].revision.user.username == "editor"
    assert versions[1].field_dict["summary"] == ""
    assert versions[0].field_dict["summary"] == "Guardian"
    assert response.json()["version"] == record.version > 1
    # The search index holds the new country row (bulk-created, so no signal).
    from coopdir.search import engine

    assert engine.tag("country", "FI") in engine.indexed_tags(Organisation, record.pk)
    listed = editor.get(LIST, {"country": "FI", "q": "guardian"}).json()
    assert [r["slug"] for r in listed["results"]] == ["ica"]


def test_it_writes_other_names_and_duties_as_whole_lists(editor):
    payload = {
        **NEW,
        "other_names": [
            {"name": "中华全国供销合作总社", "language": "zh-Hans", "kind": "official"},
            {"name": "China Co-op", "kind": "alias"},
        ],
        "duties": ["Guide the system", "Represent members"],
    }
    body = editor.post(LIST, payload, format="json").json()
    assert {n["name"] for n in body["other_names"]} == {
        "中华全国供销合作总社",
        "China Co-op",
    }
    assert body["duties"] == ["Guide the system", "Represent members"]
    changed = editor.patch(
        LIST + "new-body/", {"duties": ["Only this"], "other_names": []}, format="json"
    ).json()
    assert changed["duties"] == ["Only this"] and changed["other_names"] == []
    twice = [{"name": "Same", "kind": "alias"}, {"name": "Same", "kind": "short"}]
    response = editor.patch(LIST + "new-body/", {"other_names": twice}, format="json")
    assert response.status_code == 400 and "other_names" in response.json()
    bad_kind = [{"name": "X", "kind": "nickname"}]
    response = editor.patch(
        LIST + "new-body/", {"other_names": bad_kind}, format="json"
    )
    assert response.status_code == 400 and "other_names" in response.json()


def test_an_api_version_holds_the_rows_as_written(editor):
    OrganisationFactory(slug="ica", name="ICA", countries=["BE"], status=Status.DRAFT)
    response = editor.patch(
        LIST + "ica/",
        {"countries": ["FI"], "duties": ["Guard the identity"]},
        format="json",
    )
    assert response.status_code == 200
    record = Organisation.objects.get(slug="ica")
    rows = Version.objects.get_for_object(record)[0].revision.version_set.all()
    saved = {(v.content_type.model, v.object_repr) for v in rows}
    assert {m for m, _ in saved} == {"organisation", "organisationcountry", "duty"}
    assert sorted(r for m, r in saved if m == "organisationcountry") == [
        str(c) for c in record.countries.order_by("country")
    ]
    assert [r for m, r in saved if m == "duty"] == [str(record.duties.get())]


def test_a_key_figure_changed_in_the_admin_makes_the_records_etag_stale(
    editor, client, admin_user
):
    from django.urls import reverse

    from tests.admin_helpers import admin_form_data
    from tests.factories import KeyFigureFactory

    org = OrganisationFactory(slug="ica", name="ICA", status=Status.DRAFT)
    figure = KeyFigureFactory(organisation=org, label="Members", value=300)
    etag = editor.get(LIST + "ica/")["ETag"]
    client.force_login(admin_user)
    url = reverse("admin:organisations_keyfigure_change", args=[figure.pk])
    assert client.post(url, admin_form_data(client.get(url), value="310")).status_code
    # A cached copy is no longer current, and a write based on it is refused.
    assert editor.get(LIST + "ica/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    stale = editor.patch(
        LIST + "ica/", {"summary": "Two"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
