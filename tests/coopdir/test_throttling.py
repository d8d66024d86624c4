"""The API's throttles, keyed by coopdir.clientip.client_ip."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from tests.factories import api_token

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"
PROXY = {"REMOTE_ADDR": "10.0.0.2"}


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def rates(**changes):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, **changes}
    return override_settings(
        REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    )


def get(api, forwarded=None, **meta):
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return api.get(LIST, **meta).status_code


@rates(anon="3/min")
def test_a_made_up_forwarded_address_gets_no_fresh_allowance(api):
    for n in range(3):
        assert get(api, f"203.0.113.{n}") == 200
    assert get(api, "203.0.113.99") == 429
    assert get(api) == 429


@rates(anon="3/min")
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_trusted_proxys_forwarded_address_is_the_client(api):
    for _ in range(3):
        assert get(api, "203.0.113.7", **PROXY) == 200
    assert get(api, "203.0.113.7", **PROXY) == 429
    # Another client behind the same proxy has its own allowance ...
    assert get(api, "203.0.113.8", **PROXY) == 200
    # ... and so has the proxy itself, asking for itself.
    assert get(api, **PROXY) == 200
    # A made-up address left of the client's is not believed.
    assert get(api, "198.51.100.1, 203.0.113.7", **PROXY) == 429


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
@pytest.mark.parametrize("peer", ["10.0.0.2", "198.51.100.4", "", "not-an-ip"])
@pytest.mark.parametrize(
    "forwarded", ["", "unknown", ",", "\x00", "1.2.3.4.5", "[::1", "x" * 4000]
)
def test_a_forwarded_value_that_is_not_an_address_is_no_error(
    api, client, peer, forwarded
):
    assert get(api, forwarded, REMOTE_ADDR=peer) == 200
    response = client.get("/search/", {"q": "x"}, REMOTE_ADDR=peer)
    assert response.status_code == 200


@rates(user="3/min")
def test_signed_in_clients_are_throttled_per_user(api, staff_user, editor):
    api.force_authenticate(staff_user)
    for _ in range(3):
        assert get(api) == 200
    assert get(api) == 429
    # Per user, not per address: another user at the same address goes on.
    api.force_authenticate(editor)
    assert get(api) == 200


@rates(writes="2/min")
def test_anonymous_writes_are_throttled_though_refused(api):
    for _ in range(2):
        assert api.post(LIST, {}, format="json").status_code == 401
    response = api.post(LIST, {}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert get(api) == 200  # reading is throttled by its own rate


@rates(writes="2/min")
def test_writes_with_a_token_are_throttled(api, staff_user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(staff_user)}")
    for _ in range(2):
        assert api.post(LIST, {}, format="json").status_code == 403
    assert api.post(LIST, {}, format="json").status_code == 429


@rates(anon="1/min", user="1/min", writes="1/min")
@override_settings(RATELIMIT_ENABLE=False)
def test_ratelimit_enable_off_lifts_the_throttles(api):
    for _ in range(3):
        assert get(api) == 200
        assert api.post(LIST, {}, format="json").status_code == 401


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("API_USER_RATE", "5/5m", "user rate"),
        ("API_WRITE_RATE", "lots", "writes rate"),
        ("STAFF_IDLE_MINUTES", "1h", "STAFF_IDLE_MINUTES"),
    ],
)
def test_the_settings_refuse_a_rate_or_time_they_cannot_read(
    monkeypatch, name, value, message
):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import coopdir.settings

    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        importlib.reload(coopdir.settings)
    monkeypatch.delenv(name)
    importlib.reload(coopdir.settings)
