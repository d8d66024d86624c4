"""The client's address: the one answer the throttles, the login lockout, the page
rate limit and the logs all use.

A client may write anything in X-Forwarded-For, so the header is believed only as far
as it was written by proxies in settings.TRUSTED_PROXIES: the client is the right-most
address in it that is not a trusted proxy. A request whose peer is not a trusted proxy
is its own client, whatever it says it forwards.
"""

import functools
import ipaddress
import logging

from django.conf import settings


@functools.cache
def _networks(ranges):
    # The settings module has checked each one.
    return tuple(ipaddress.ip_network(text, strict=False) for text in ranges)


def trusted_proxies():
    """Return settings.TRUSTED_PROXIES as ip_network objects."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def parse_address(text):
    """Return text as an ip_address (an IPv4 one for an IPv4-mapped IPv6 address,
    a port dropped), or None when it is not one."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def is_trusted(address, networks):
    return any(address in network for network in networks)


def client_ip(request):
    """Return the address of the client that sent request, as a string."""
    peer_text = request.META.get("REMOTE_ADDR", "")
    peer = parse_address(peer_text)
    networks = trusted_proxies()
    if peer is None or not is_trusted(peer, networks):
        return str(peer) if peer else peer_text
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Not written by a proxy (they write addresses): the nearest address
            # one did write is all that is known.
            break
        client = address
        if not is_trusted(address, networks):
            break
    return str(client)


class ClientIPFilter(logging.Filter):
    """Give every log record about a request the client's address (client_ip)."""

    def filter(self, record):
        request = getattr(record, "request", None)
        meta = getattr(request, "META", None)
        record.client_ip = client_ip(request) if meta is not None else "-"
        return True
