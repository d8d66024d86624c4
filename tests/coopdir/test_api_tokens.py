"""API tokens: stored hashed, expiring, issued by a command or the admin, listed and
revoked in the admin (coopdir/admin.py, django-rest-knox)."""

import hashlib
from datetime import timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from organisations.models import Status
from tests.factories import OrganisationFactory, api_token

pytestmark = pytest.mark.django_db

TOKENS = "/admin/knox/authtoken/"


def write_with(secret, slug="body"):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return api.patch(
        f"/api/v1/organisations/{slug}/", {"summary": "Written"}, format="json"
    )


@pytest.fixture
def draft():
    return OrganisationFactory(slug="body", status=Status.DRAFT)


def stored_values():
    """Return every value of every stored token row, as text."""
    return [str(value) for row in AuthToken.objects.values() for value in row.values()]


def test_the_command_prints_a_token_the_database_holds_only_a_hash_of(superuser, draft):
    out = StringIO()
    err = StringIO()
    call_command("issue_api_token", "root", "--days", "3", stdout=out, stderr=err)
    assert "cannot be shown again" in err.getvalue()
    secret = out.getvalue().strip()
    assert len(secret) == 64
    assert write_with(secret).status_code == 200
    assert not any(secret in value for value in stored_values())
    token = AuthToken.objects.get()
    assert token.digest == hashlib.sha512(secret.encode()).hexdigest()
    days = (token.expiry - timezone.now()) / timedelta(days=1)
    assert 2.9 < days <= 3


def test_a_token_expires_after_api_token_days_by_default(superuser, settings):
    call_command("issue_api_token", "root", stdout=StringIO(), stderr=StringIO())
    left = AuthToken.objects.get().expiry - timezone.now()
    assert timedelta(days=89) < left <= timedelta(days=settings.API_TOKEN_DAYS)


@pytest.mark.parametrize(
    "args, error",
    [
        (["nobody"], "no active staff user 'nobody'"),
        (["plain"], "no active staff user 'plain'"),
        (["root", "--days", "0"], "--days must be at least 1"),
    ],
)
def test_the_command_refuses_what_it_cannot_issue(
    superuser, django_user_model, args, error
):
    django_user_model.objects.create_user(username="plain", password="x")
    with pytest.raises(CommandError, match=error):
        call_command("issue_api_token", *args, stdout=StringIO())
    assert not AuthToken.objects.exists()


def test_an_expired_token_answers_401(superuser, draft):
    secret = api_token(superuser, expiry=timedelta(seconds=-1))
    response = write_with(secret)
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    draft.refresh_from_db()
    assert draft.summary != "Written"


def test_the_admin_lists_tokens_without_their_secret(client, superuser):
    secret = api_token(superuser)
    client.force_login(superuser)
    page = client.get(TOKENS)
    assert page.status_code == 200
    text = page.content.decode()
    token = AuthToken.objects.get()
    assert "root" in text and f"{secret[:8]}…" in text
    assert secret not in text
    # The hash is the row's key (in its address), from which no secret follows.
    detail = client.get(f"{TOKENS}{token.pk}/change/").content.decode()
    assert detail.count(secret[:15]) == 0


def test_a_token_revoked_in_the_admin_answers_401(client, superuser, draft):
    secret = api_token(superuser)
    assert write_with(secret).status_code == 200
    client.force_login(superuser)
    response = client.post(
        TOKENS,
        {
            "action": "delete_selected",
            "_selected_action": [AuthToken.objects.get().pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert write_with(secret).status_code == 401


def test_the_admin_issues_a_token_and_shows_it_once(client, superuser, draft):
    client.force_login(superuser)
    page = client.post(f"{TOKENS}add/", {"user": superuser.pk, "days": 7})
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret in page.content.decode()
    assert not any(secret in value for value in stored_values())
    assert write_with(secret).status_code == 200
    token = AuthToken.objects.get()
    assert timedelta(days=6.9) < token.expiry - timezone.now() <= timedelta(days=7)
    listing = client.get(TOKENS).content.decode()
    assert secret not in listing


def test_staff_with_the_token_permissions_issue_tokens_for_themselves_only(
    client, staff_user, superuser
):
    staff_user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="knox",
            codename__in=["add_authtoken", "view_authtoken", "delete_authtoken"],
        )
    )
    client.force_login(staff_user)
    form = client.get(f"{TOKENS}add/").context["adminform"].form
    assert list(form.fields["user"].queryset) == [staff_user]
    refused = client.post(f"{TOKENS}add/", {"user": superuser.pk, "days": 7})
    assert refused.status_code == 200
    assert "user" in refused.context["adminform"].form.errors
    assert not AuthToken.objects.exists()
    issued = client.post(f"{TOKENS}add/", {"user": staff_user.pk, "days": 7})
    assert AuthToken.objects.get().user == staff_user
    assert issued.context["secret"]


def test_editors_and_publishers_do_not_see_tokens(client, editor, publisher):
    api_token(publisher)
    for user in (editor, publisher):
        client.force_login(user)
        assert client.get(TOKENS).status_code == 403
        assert client.get(f"{TOKENS}add/").status_code == 403


def test_a_token_is_never_edited_in_the_admin(client, superuser):
    api_token(superuser)
    token = AuthToken.objects.get()
    client.force_login(superuser)
    expiry = token.expiry
    client.post(f"{TOKENS}{token.pk}/change/", {"user": superuser.pk, "days": 999})
    token.refresh_from_db()
    assert token.expiry == expiry


def test_drf_tokens_kept_in_clear_are_hashed_and_keep_working(superuser, draft):
    migration = import_module("coopdir.migrations.0013_api_tokens_hashed")
    old_key = "0123456789abcdef0123456789abcdef01234567"  # DRF's 40 hex digits
    when = "timestamp with time zone" if connection.vendor == "postgresql" else "text"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            f"user_id integer, created {when})"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [old_key, superuser.pk, "2024-05-01 12:00:00+00:00"],
        )
    migration.move_drf_tokens(apps, connection)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = AuthToken.objects.get()
    assert token.user == superuser and token.created.year == 2024
    assert token.expiry > timezone.now() + timedelta(days=89)
    assert not any(old_key in value for value in stored_values())
    assert write_with(old_key).status_code == 200
