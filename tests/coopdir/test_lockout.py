import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "admin:login"
PASSWORD = "a-Long-test-passphrase-9"


def log_in(client, password):
    return client.post(
        reverse(LOGIN),
        {"username": "staff", "password": password, "next": "/admin/"},
        REMOTE_ADDR="10.0.0.7",
    )


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
