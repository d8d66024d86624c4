"""A lost staff password: by e-mail when EMAIL_HOST is set, by a command otherwise."""

import importlib
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import NoReverseMatch, clear_url_caches, reverse

import coopdir.urls

pytestmark = pytest.mark.django_db

NEW = "a-Fresh-passphrase-42"


def urls_with(settings, by_email):
    settings.PASSWORD_RESET_BY_EMAIL = by_email
    importlib.reload(coopdir.urls)
    clear_url_caches()


@pytest.fixture
def by_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    urls_with(settings, True)
    yield
    urls_with(settings, False)


@pytest.fixture
def staff_with_mail(staff_user):
    staff_user.email = "staff@example.org"
    staff_user.save()
    return staff_user


def test_a_reset_link_is_mailed_and_sets_a_new_password(
    client, by_email, staff_with_mail
):
    login = client.get("/admin/login/").content.decode()
    assert "/admin/password_reset/" in login
    sent = client.post("/admin/password_reset/", {"email": "staff@example.org"})
    assert sent.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["staff@example.org"]
    link = re.search(r"http://testserver(/admin/reset/\S+/)", message.body)[1]
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW, "new_password2": NEW},
    )
    assert done.status_code == 302 and done["Location"] == "/admin/reset/done/"
    staff_with_mail.refresh_from_db()
    assert staff_with_mail.check_password(NEW)
    # A link works once.
    assert b"invalid" in client.get(link, follow=True).content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, by_email):
    sent = client.post("/admin/password_reset/", {"email": "nobody@example.org"})
    assert sent.status_code == 302 and mail.outbox == []


def test_without_email_there_is_no_reset_page_and_the_command_does_it(
    client, staff_user, monkeypatch
):
    with pytest.raises(NoReverseMatch):
        reverse("admin_password_reset")
    assert "password_reset" not in client.get("/admin/login/").content.decode()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", "staff", stdout=None)
    staff_user.refresh_from_db()
    assert staff_user.check_password(NEW)
