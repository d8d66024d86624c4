import datetime
import json

import pytest
import reversion
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from reversion.models import Version

from coopdir import backup
from mechanisms.models import Mechanism
from organisations.models import KeyFigure, Organisation
from tests.factories import (
    KeyFigureFactory,
    MechanismFactory,
    OrganisationFactory,
    OrganisationNameFactory,
    ParticipantFactory,
    SecretariatFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


def round_trip(tmp_path):
    path = tmp_path / "directory.json"
    call_command("export_directory", str(path), verbosity=0)
    before = json.loads(path.read_text(encoding="utf-8"))
    backup.clear()
    assert backup.is_empty()
    call_command("import_directory", str(path), verbosity=0)
    again = tmp_path / "again.json"
    call_command("export_directory", str(again), verbosity=0)
    after = json.loads(again.read_text(encoding="utf-8"))
    return before, after


@pytest.fixture
def generated():
    sector = SectorFactory()
    child = SectorFactory(parent=sector)
    parent = OrganisationFactory(sectors=[sector], countries=["BE", "FR"])
    org = OrganisationFactory(parent=parent, relation_to_parent="regional_office")
    OrganisationNameFactory(organisation=org, name="中文名")
    total = KeyFigureFactory(organisation=org, value="5300000000000.0000")
    KeyFigureFactory(organisation=org, parent=total, value="12.5")
    mechanism = MechanismFactory(sectors=[child], countries=["CN", "IT"])
    MechanismFactory(parent=mechanism)
    SecretariatFactory(mechanism=mechanism, organisation=org)
    ParticipantFactory(mechanism=mechanism, organisation=parent, person_name="ZHANG")


def test_the_seed_data_round_trips_unchanged(seeded, tmp_path):
    before, after = round_trip(tmp_path)
    assert before["counts"]["organisations.organisation"] > 10
    assert before["format"] == "coopdir-directory" and before["format_version"] == 2
    assert after["records"] == before["records"]
    assert after["counts"] == before["counts"]


def test_timestamps_round_trip_to_the_microsecond(tmp_path):
    record = OrganisationFactory()
    for microsecond in (412, 0, 123456):  # under a millisecond, none, any
        stamp = datetime.datetime(2026, 1, 2, 3, 4, 5, microsecond, tzinfo=datetime.UTC)
        Organisation.objects.filter(pk=record.pk).update(created_at=stamp)
        (tmp_path / str(microsecond)).mkdir()
        before, after = round_trip(tmp_path / str(microsecond))
        assert after["records"] == before["records"]
        assert Organisation.objects.get(slug=record.slug).created_at == stamp


def test_a_generated_directory_round_trips_unchanged(generated, tmp_path):
    before, after = round_trip(tmp_path)
    assert after["records"] == before["records"]
    figure = KeyFigure.objects.get(parent__isnull=True)
    assert figure.value == 5300000000000
    assert figure.parts.get().value == 12.5
    # Sequences follow the restored ids: a new record gets a fresh one.
    assert OrganisationFactory().pk > max(
        r["pk"] for r in before["records"] if r["model"] == "organisations.organisation"
    )


def test_a_restore_refuses_a_database_that_holds_records(generated, tmp_path):
    path = tmp_path / "directory.json"
    call_command("export_directory", str(path), verbosity=0)
    OrganisationFactory(name="Added later")
    with pytest.raises(CommandError, match="already holds directory records"):
        call_command("import_directory", str(path), verbosity=0)
    call_command("import_directory", str(path), "--replace", verbosity=0)
    assert not Organisation.objects.filter(name="Added later").exists()


def test_dry_runs_write_nothing(generated, tmp_path):
    path = tmp_path / "directory.json"
    call_command("export_directory", str(path), "--dry-run", verbosity=0)
    assert not path.exists()
    call_command("export_directory", str(path), verbosity=0)
    backup.clear()
    call_command("import_directory", str(path), "--dry-run", verbosity=0)
    assert not Mechanism.objects.exists()


def test_export_refuses_to_overwrite_a_file(tmp_path):
    path = tmp_path / "directory.json"
    path.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("export_directory", str(path), verbosity=0)
    assert path.read_text() == "keep me"


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "is not a JSON document"),
        ('{"format": "other"}', "not a coopdir-directory document"),
        (
            '{"format": "coopdir-directory", "format_version": 99, "records": []}',
            "Format version 99",
        ),
        (
            '{"format": "coopdir-directory", "format_version": 1, '
            '"records": [{"model": "auth.permission", "pk": 1, "fields": {}}]}',
            "Unknown kinds of record: auth.permission",
        ),
    ],
)
def test_a_malformed_document_is_refused_clearly(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_directory", str(path), verbosity=0)
    assert backup.is_empty()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_directory", str(tmp_path / "nope.json"), verbosity=0)


def test_old_slugs_round_trip_so_old_links_still_redirect(client, tmp_path):
    record = OrganisationFactory(slug="cosco")
    record.slug = "cosco-shipping"
    record.save()
    before, after = round_trip(tmp_path)
    assert before["counts"]["organisations.oldslug"] == 1
    assert after["records"] == before["records"]
    response = client.get("/organisations/cosco/")
    assert response.status_code == 301
    assert response["Location"] == "/organisations/cosco-shipping/"


PASSWORD = "a-Long-test-passphrase-9"


@pytest.fixture
def history(django_user_model):
    """A group with a permission, an editor in it, and two revisions by them."""
    group = Group.objects.create(name="Reviewers")
    group.permissions.add(Permission.objects.get(codename="change_organisation"))
    editor = django_user_model.objects.create_user(
        username="ana", password=PASSWORD, is_staff=True, email="ana@example.org"
    )
    editor.groups.add(group, Group.objects.get(name="Editors"))
    record = OrganisationFactory(name="Before")
    for name in ("First", "Second"):
        with reversion.create_revision():
            reversion.set_user(editor)
            reversion.set_comment(f"Renamed to {name}")
            record.name = name
            record.save()
    return record


def forget_accounts(django_user_model):
    """Leave the accounts a fresh database has: none, and the groups migrations make."""
    django_user_model.objects.all().delete()
    Group.objects.filter(name="Reviewers").delete()


def test_groups_users_and_history_round_trip(history, tmp_path, django_user_model):
    path = tmp_path / "directory.json"
    call_command("export_directory", str(path), verbosity=0)
    before = json.loads(path.read_text(encoding="utf-8"))
    users = [r for r in before["records"] if r["model"] == "auth.user"]
    assert [u["fields"]["username"] for u in users] == ["ana"]
    assert "password" not in users[0]["fields"]
    assert before["counts"]["reversion.version"] >= 2
    backup.clear()
    forget_accounts(django_user_model)
    call_command("import_directory", str(path), verbosity=0)

    ana = django_user_model.objects.get(username="ana")
    assert ana.email == "ana@example.org" and ana.is_staff
    assert not ana.has_usable_password()  # no hash travelled: set a new one
    assert {g.name for g in ana.groups.all()} == {"Editors", "Reviewers"}
    reviewers = Group.objects.get(name="Reviewers")
    assert [p.codename for p in reviewers.permissions.all()] == ["change_organisation"]
    versions = Version.objects.get_for_object(Organisation.objects.get(name="Second"))
    assert [v.revision.comment for v in versions] == [
        "Renamed to Second",
        "Renamed to First",
    ]
    assert {v.revision.user for v in versions} == {ana}
    again = tmp_path / "again.json"
    call_command("export_directory", str(again), verbosity=0)
    after = json.loads(again.read_text(encoding="utf-8"))
    assert after["records"] == before["records"]
    versions.last().revision.revert()  # the history still works
    assert Organisation.objects.filter(name="First").exists()


def test_password_hashes_travel_only_when_asked(history, tmp_path, django_user_model):
    path = tmp_path / "directory.json"
    call_command("export_directory", str(path), "--with-passwords", verbosity=0)
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert "md5$" in path.read_text(encoding="utf-8")
    backup.clear()
    forget_accounts(django_user_model)
    call_command("import_directory", str(path), verbosity=0)
    assert django_user_model.objects.get(username="ana").check_password(PASSWORD)


def test_an_account_the_database_has_keeps_its_password(
    history, tmp_path, django_user_model
):
    path = tmp_path / "directory.json"
    call_command("export_directory", str(path), verbosity=0)
    ana = django_user_model.objects.get(username="ana")
    ana.set_password("another-Long-passphrase-7")
    ana.save()
    call_command("import_directory", str(path), "--replace", verbosity=0)
    ana.refresh_from_db()
    assert ana.check_password("another-Long-passphrase-7")
    assert django_user_model.objects.count() == 1


def test_a_version_1_document_still_restores(generated, tmp_path):
    document = backup.export_document()
    document["format_version"] = 1
    document["records"] = [
        r
        for r in document["records"]
        if r["model"] in backup.BY_LABEL
        and backup.BY_LABEL[r["model"]] in backup.MODELS
    ]
    path = tmp_path / "v1.json"
    path.write_text(backup.dumps(document), encoding="utf-8")
    backup.clear()
    call_command("import_directory", str(path), verbosity=0)
    assert Mechanism.objects.count() == 2
