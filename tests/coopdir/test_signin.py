"""Staff sign-in: a second factor for the admin; sessions end after a working day
and after an idle hour."""

import io
import re
import time
from base64 import b32decode

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from coopdir.signin import SEEN_AT, SIGNED_IN_AT, SessionTimeoutMiddleware
from tests.signin_helpers import authenticator, current_code

pytestmark = pytest.mark.django_db

ADMIN = "/admin/"


def time_passes(client, minutes):
    """Move the session's clock readings back by minutes, as if they had passed."""
    session = client.session
    for key in (SIGNED_IN_AT, SEEN_AT):
        session[key] -= minutes * 60
    session.save()


def signed_in(client):
    response = client.get(ADMIN)
    return response.status_code == 200


def test_a_session_ends_after_an_idle_hour(client, staff_user):
    client.force_login(staff_user)
    time_passes(client, 59)
    assert signed_in(client)
    time_passes(client, 61)
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert "signed out after a while without activity" in response.content.decode()
    assert not signed_in(client)


def test_a_busy_session_ends_after_a_working_day(client, staff_user):
    client.force_login(staff_user)
    for _ in range(8 * 60 // 50):
        time_passes(client, 50)
        assert signed_in(client)
    time_passes(client, 50)  # 8 h 20 after signing in, 50 min after the last page
    response = client.get(ADMIN, follow=True)
    assert "signed out at the end of the day" in response.content.decode()
    assert not signed_in(client)


def test_the_cookie_does_not_outlive_the_day(client, staff_user):
    authenticator(staff_user)
    response = sign_in(client)
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 3600


def test_signing_in_again_starts_a_new_day(client, staff_user):
    client.force_login(staff_user)
    time_passes(client, 8 * 60 + 1)
    assert not signed_in(client)
    client.force_login(staff_user)
    assert signed_in(client)


def test_a_request_without_a_session_cookie_leaves_the_session_alone(rf):
    # Touching it would add Vary: Cookie to anonymous pages a proxy could share.
    request = rf.get("/")
    SessionMiddleware(lambda request: None).process_request(request)
    SessionTimeoutMiddleware(lambda request: HttpResponse())(request)
    assert not request.session.accessed


# The admin's second factor ----------------------------------------------------------

PASSWORD = "a-Long-test-passphrase-9"


def sign_in(client, code=None, username="staff"):
    data = {"username": username, "password": PASSWORD, "next": ADMIN}
    data["otp_token"] = current_code(username) if code is None else code
    return client.post(reverse("admin:login"), data)


def test_the_admin_asks_for_a_code_after_the_password(client, staff_user):
    assert settings.STAFF_OTP  # on in tests, as when DEBUG is off
    authenticator(staff_user)
    response = sign_in(client, code="")
    assert response.status_code == 200
    assert "Please enter your OTP token." in response.content.decode()
    assert not signed_in(client)
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == ADMIN
    assert signed_in(client)


def test_a_wrong_or_used_code_is_refused(client, staff_user):
    authenticator(staff_user)
    right = current_code("staff")
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    assert sign_in(client, code=wrong).status_code == 200
    assert not signed_in(client)
    time.sleep(1.1)  # django-otp makes a device wait a second after a wrong code
    assert sign_in(client, code=right).status_code == 302
    client.logout()
    assert sign_in(client, code=right).status_code == 200  # a code counts once
    assert not signed_in(client)


def test_staff_without_an_authenticator_cannot_sign_in(client, staff_user):
    assert sign_in(client, code="123456").status_code == 200
    assert not signed_in(client)


def test_a_session_signed_in_with_only_the_password_does_not_open_the_admin(
    client, staff_user
):
    client.force_login(staff_user)
    assert signed_in(client)
    session = client.session
    del session[DEVICE_ID_SESSION_KEY]  # what no code was given for
    session.save()
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def enrol(*args):
    out = io.StringIO()
    call_command("enrol_totp", *args, stdout=out)
    return out.getvalue()


def test_enrol_totp_gives_the_first_admin_an_authenticator(client, superuser):
    output = enrol("root", "--noinput")
    key = re.search(r"key: ([A-Z2-7 ]+)\n", output)[1].replace(" ", "")
    assert "otpauth://totp/coopdir%3Aroot?secret=" + key in output
    assert "▄▄▄▄▄" in output  # the QR code's corner squares
    device = TOTPDevice.objects.get(user=superuser, confirmed=True)
    assert device.bin_key == b32decode(key)
    assert sign_in(client, username="root").status_code == 302
    assert signed_in(client)


def test_enrol_totp_prints_no_qr_code_when_asked(superuser):
    output = enrol("root", "--noinput", "--no-qr")
    assert "▄" not in output and "key: " in output


def test_enrol_totp_checks_a_code_from_the_app(monkeypatch, staff_user):
    def app_shows(prompt):
        return current_code("staff")

    monkeypatch.setattr("builtins.input", app_shows)
    assert "now signs in" in enrol("staff")
    assert TOTPDevice.objects.get(user=staff_user).confirmed


def test_enrol_totp_discards_a_key_no_code_matched(monkeypatch, staff_user):
    monkeypatch.setattr("builtins.input", lambda prompt: "000000")
    with pytest.raises(CommandError, match="No code matched"):
        call_command("enrol_totp", "staff", stdout=io.StringIO(), stderr=io.StringIO())
    assert not TOTPDevice.objects.exists()


def test_enrol_totp_replaces_only_when_asked(staff_user, django_user_model):
    first = authenticator(staff_user)
    with pytest.raises(CommandError, match="--replace"):
        enrol("staff", "--noinput")
    enrol("staff", "--noinput", "--replace")
    assert list(TOTPDevice.objects.filter(user=staff_user)) != [first]
    assert TOTPDevice.objects.filter(user=staff_user).count() == 1
    django_user_model.objects.create_user(username="public", password=PASSWORD)
    for name in ("public", "nobody"):
        with pytest.raises(CommandError, match="no staff user"):
            enrol(name, "--noinput")


def test_the_second_factor_is_on_by_default_when_debug_is_off(monkeypatch):
    import importlib

    import coopdir.settings

    try:
        monkeypatch.delenv("STAFF_OTP", raising=False)
        monkeypatch.setenv("DEBUG", "0")
        assert importlib.reload(coopdir.settings).STAFF_OTP is True
        monkeypatch.setenv("DEBUG", "1")
        assert importlib.reload(coopdir.settings).STAFF_OTP is False
        monkeypatch.setenv("STAFF_OTP", "1")
        assert importlib.reload(coopdir.settings).STAFF_OTP is True
    finally:
        monkeypatch.undo()
        importlib.reload(coopdir.settings)
