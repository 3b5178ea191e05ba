"""Client addresses as the system counts them, one rule for every counter: the gateway's
rate limits and connection caps, and auth's login throttling.

An IPv4 address counts as itself; an IPv6 address as its /64, since one host commonly holds
a whole /64 and could otherwise take a fresh address (and a fresh allowance) per request; an
IPv4-mapped IPv6 address (how a dual-stack listener sees IPv4 peers) as its IPv4 address.
Both functions run per request, so their answers are remembered (bounded).
"""

from __future__ import annotations

import functools
import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=4096)
def parse_address(text: str) -> Address | None:
    """An ``X-Forwarded-For`` entry as an address: ``1.2.3.4``, ``1.2.3.4:5678``, ``::1`` or
    ``[::1]:5678``; IPv4-mapped IPv6 addresses as the IPv4 address. ``None`` if not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=4096)  # per request for IPv6 clients: parse each address once
def address_key(host: str) -> str:
    """What per-address limits count: the address, or an IPv6 address's /64 (an
    IPv4-mapped one, as a dual-stack listener sees IPv4 peers, as its IPv4 address)."""
    if ":" not in host:
        return host
    address = parse_address(host)
    if address is None:
        return host
    if address.version == 4:
        return str(address)
    return str(ipaddress.ip_network((address, 64), strict=False))
