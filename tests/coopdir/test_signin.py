"""Staff sessions end after a working day and after an idle hour."""

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.urls import reverse

from coopdir.signin import SEEN_AT, SIGNED_IN_AT, SessionTimeoutMiddleware

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
    response = client.post(
        reverse("admin:login"),
        {"username": "staff", "password": "a-Long-test-passphrase-9", "next": ADMIN},
    )
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
