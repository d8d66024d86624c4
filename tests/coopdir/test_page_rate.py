"""The pages' rate limit (coopdir.throttling.rate_limited)."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.pages import build_directory

pytestmark = pytest.mark.django_db

EXPENSIVE = [
    "/search/?q=chamber",
    "/search/",
    "/organisations/?q=chamber",
    "/organisations/?country=CN",
    "/mechanisms/?ordering=name",
    "/countries/CN/",
    "/sectors/agriculture/",
]


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory(db):
    return build_directory()


@override_settings(PAGE_RATE="3/m")
@pytest.mark.parametrize("path", EXPENSIVE)
def test_it_answers_429_with_retry_after_once_a_client_asks_too_often(
    client, directory, path
):
    for _ in range(3):
        assert client.get(path).status_code == 200
    response = client.get(path)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "<h1>Too many requests</h1>" in body
    assert f"try again in {response['Retry-After']} second" in body
    assert 'href="/organisations/"' in body  # the page's own navigation


@override_settings(PAGE_RATE="3/m")
def test_the_expensive_pages_share_one_allowance_per_client(client, directory):
    for path in EXPENSIVE[:3]:
        assert client.get(path).status_code == 200
    assert client.get(EXPENSIVE[-1]).status_code == 429
    # Another client is not held up.
    assert client.get(EXPENSIVE[-1], REMOTE_ADDR="198.51.100.4").status_code == 200
    # Cheap pages are not counted nor refused.
    for path in ["/", "/organisations/", "/organisations/?page=1", "/mechanisms/"]:
        assert client.get(path).status_code == 200
    assert client.get("/organisations/cccme/").status_code == 200


@override_settings(PAGE_RATE="2/m")
def test_a_made_up_forwarded_address_gets_no_fresh_allowance(client, directory):
    for n in range(2):
        response = client.get("/search/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 200
    response = client.get("/search/", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429


@override_settings(PAGE_RATE="2/m", TRUSTED_PROXIES=["10.0.0.0/8"])
def test_clients_behind_a_trusted_proxy_each_have_their_allowance(client, directory):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(2):
        response = client.get("/search/", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
        assert response.status_code == 200
    response = client.get("/search/", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert response.status_code == 429
    response = client.get("/search/", HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert response.status_code == 200


@override_settings(PAGE_RATE="1/m")
def test_the_page_speaks_chinese_at_a_chinese_address(client, directory):
    client.get("/search/")
    response = client.get("/zh-hans/search/")
    body = response.content.decode()
    assert response.status_code == 429
    assert "<h1>请求过多</h1>" in body
    assert f"请在 {response['Retry-After']} 秒后重试" in body


@override_settings(PAGE_RATE="1/m", RATELIMIT_ENABLE=False)
def test_ratelimit_enable_off_lifts_the_limit(client, directory):
    for _ in range(3):
        assert client.get("/search/?q=chamber").status_code == 200


def test_the_settings_refuse_a_rate_they_cannot_read(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import coopdir.settings

    monkeypatch.setenv("PAGE_RATE", "lots")
    with pytest.raises(ImproperlyConfigured, match="lots"):
        importlib.reload(coopdir.settings)
    monkeypatch.delenv("PAGE_RATE")
    importlib.reload(coopdir.settings)
