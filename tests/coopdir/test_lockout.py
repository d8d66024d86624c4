from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.signin_helpers import authenticator, current_code

pytestmark = pytest.mark.django_db

LOGIN = "admin:login"
PASSWORD = "a-Long-test-passphrase-9"


def form(username, password):
    """Return the sign-in form as staff with an authenticator fill it in."""
    user = get_user_model().objects.filter(username=username).first()
    if user and not TOTPDevice.objects.filter(user=user).exists():
        authenticator(user)
    return {
        "username": username,
        "password": password,
        "otp_token": current_code(username),
        "next": "/admin/",
    }


def log_in(client, password):
    return client.post(reverse(LOGIN), form("staff", password), REMOTE_ADDR="10.0.0.7")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account_out(client, staff_user):
    for _ in range(2):
        response = log_in(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = log_in(client, "wrong")
    assert response.status_code == 429
    # Even the right password is refused while the lockout lasts.
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_login_before_the_limit_resets_the_count(client, staff_user):
    log_in(client, "wrong")
    log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302


def test_staff_passwords_are_checked_by_the_validators(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newstaff",
            "password1": "12345678",
            "password2": "12345678",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "This password is too common" in text
    assert not get_user_model().objects.filter(username="newstaff").exists()


# Lockouts hold one username at one address (hole 3 of #17) ---------------------------

ATTACKER = "203.0.113.66"
PROXY = "10.0.0.2"


def attempt(client, username, password, address, proxied=False):
    meta = {"REMOTE_ADDR": address}
    if proxied:
        meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}
    return client.post(reverse(LOGIN), form(username, password), **meta).status_code


def time_passes(minutes):
    """Move every recorded attempt back by minutes, as if that much time passed."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - timedelta(minutes=minutes)
    )


@pytest.fixture
def other_staff(db, django_user_model):
    return django_user_model.objects.create_user(
        username="other", password=PASSWORD, is_staff=True
    )


@pytest.mark.parametrize("proxied", [False, True])
@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_guesser_locks_only_that_username_at_that_address(
    client, staff_user, other_staff, proxied
):
    for _ in range(3):
        attempt(client, "staff", "wrong", ATTACKER, proxied)
    assert attempt(client, "staff", PASSWORD, ATTACKER, proxied) == 429
    # The same user from elsewhere, and another user from the guesser's address,
    # sign in (behind a proxy: through the same proxy).
    assert attempt(Client(), "staff", PASSWORD, "198.51.100.7", proxied) == 302
    assert attempt(Client(), "other", PASSWORD, ATTACKER, proxied) == 302
    # The proxy's own address is never what is locked.
    assert not AccessAttempt.objects.filter(ip_address=PROXY).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_trying_again_during_a_lockout_does_not_extend_it(client, staff_user):
    for _ in range(3):
        attempt(client, "staff", "wrong", ATTACKER)
    time_passes(50)
    assert attempt(client, "staff", PASSWORD, ATTACKER) == 429
    assert attempt(client, "staff", "wrong", ATTACKER) == 429
    time_passes(11)  # an hour after the lockout, 11 minutes after the last try
    assert attempt(client, "staff", PASSWORD, ATTACKER) == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_after_the_cool_off_the_right_password_signs_in(client, staff_user):
    for _ in range(3):
        attempt(client, "staff", "wrong", ATTACKER)
    time_passes(59)
    assert attempt(client, "staff", PASSWORD, ATTACKER) == 429
    time_passes(2)
    assert attempt(client, "staff", PASSWORD, ATTACKER) == 302
    assert "_auth_user_id" in client.session
