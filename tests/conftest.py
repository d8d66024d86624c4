import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _index_follows_flushes(request, django_db_blocker):
    """Transactional tests end with a flush of the record tables that sends no
    post_migrate signal: before the next test, clear the search index's orphans as
    `manage.py flush` does, so its counts (from the index) see only its records."""
    from coopdir.search.signals import clear_orphans

    names = set(request.fixturenames)
    if {"transactional_db", "live_server"} & names:
        request.getfixturevalue("transactional_db")
        clear_orphans()
    elif "db" in names or request.node.get_closest_marker("django_db"):
        # Before the test's own transaction opens, so that the clearing is kept
        # (once) rather than rolled back with each test that follows a flush.
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            clear_orphans()


@pytest.fixture(autouse=True)
def _jobs_keep_their_files_in_a_temporary_folder(settings, tmp_path_factory):
    """Background jobs' files (uploads, exports) and progress go to a folder of the
    test session, not the working tree's var/jobs."""
    settings.JOBS_DIR = tmp_path_factory.getbasetemp() / "jobs"


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """client.force_login signs in as the admin's form does with settings.STAFF_OTP
    on: with a password and a code of the user's authenticator (a TOTP device);
    tests/coopdir/test_signin.py goes through the form itself."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    force_login = Client.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test")
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login_verified)


@pytest.fixture
def seeded(db):
    """Load the shipped seed fixtures."""
    call_command("load_seed", verbosity=0)


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_user(
        username="staff", password="a-Long-test-passphrase-9", is_staff=True
    )


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", password="a-Long-test-passphrase-9", email=""
    )


def _in_group(django_user_model, username, group_name):
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    # A transactional test elsewhere may have flushed the migration-made groups.
    if not Group.objects.filter(name=group_name).exists():
        import_module("organisations.migrations.0003_editorial_groups").create_groups(
            apps, None
        )

    user = django_user_model.objects.create_user(
        username=username, password="a-Long-test-passphrase-9", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db, django_user_model):
    """A staff user in the Editors group (made by a data migration)."""
    return _in_group(django_user_model, "editor", "Editors")


@pytest.fixture
def publisher(db, django_user_model):
    """A staff user in the Publishers group (made by a data migration)."""
    return _in_group(django_user_model, "publisher", "Publishers")
