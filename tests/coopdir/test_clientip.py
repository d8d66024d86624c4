import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from coopdir.clientip import ClientIPFilter, client_ip

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


def ip_of(rf, remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **meta))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards(rf):
    assert ip_of(rf, "198.51.100.4") == "198.51.100.4"
    assert ip_of(rf, "198.51.100.4", "203.0.113.9") == "198.51.100.4"
    assert ip_of(rf, "10.0.0.2", "203.0.113.9, 10.0.0.3") == "10.0.0.2"


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_an_untrusted_peers_forwarded_header_is_ignored(rf):
    assert ip_of(rf, "198.51.100.4", "203.0.113.9") == "198.51.100.4"


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(rf):
    assert ip_of(rf, "10.0.0.2", "203.0.113.9") == "203.0.113.9"
    # The left part is whatever the client sent: only the proxies' part is believed.
    assert ip_of(rf, "10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.3") == "203.0.113.9"
    assert ip_of(rf, "10.0.0.2", "1.1.1.1,203.0.113.9") == "203.0.113.9"
    assert ip_of(rf, "10.0.0.2") == "10.0.0.2"  # a proxy's own request
    assert ip_of(rf, "10.0.0.2", "10.9.9.9, 10.0.0.3") == "10.9.9.9"


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_it_reads_ipv6_ports_and_ipv4_mapped_addresses(rf):
    assert ip_of(rf, "2001:db8:ffff::1", "2001:DB8::7") == "2001:db8::7"
    assert ip_of(rf, "10.0.0.2", "[2001:db8::7]:4711") == "2001:db8::7"
    assert ip_of(rf, "10.0.0.2", "203.0.113.9:4711") == "203.0.113.9"
    assert ip_of(rf, "::ffff:10.0.0.2", "203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    "forwarded",
    ["", "unknown", ",,", "not an address", "\x00", "999.1.1.1", "[::1", "a" * 5000],
)
def test_a_forwarded_value_that_is_not_an_address_leaves_the_proxys_address(
    rf, forwarded
):
    assert ip_of(rf, "10.0.0.2", forwarded) == "10.0.0.2"
    assert ip_of(rf, "10.0.0.2", f"{forwarded}, 10.0.0.3") == "10.0.0.3"
    assert ip_of(rf, "10.0.0.2", f"{forwarded}, 203.0.113.9") == "203.0.113.9"


def test_the_settings_refuse_a_proxy_that_is_not_a_range(monkeypatch):
    import importlib

    import coopdir.settings

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,proxy.example")
    with pytest.raises(ImproperlyConfigured, match="proxy.example"):
        importlib.reload(coopdir.settings)
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(coopdir.settings)


@override_settings(TRUSTED_PROXIES=PROXIES)
def test_log_records_about_a_request_carry_the_client(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    record = logging.LogRecord("django.request", 30, "", 0, "Not Found", (), None)
    record.request = request
    assert ClientIPFilter().filter(record) and record.client_ip == "203.0.113.9"
    bare = logging.LogRecord("coopdir", 30, "", 0, "message", (), None)
    assert ClientIPFilter().filter(bare) and bare.client_ip == "-"
