"""Who the client is: the TCP peer, or, when the peer is one of our own proxies (a load
balancer in front of the gateway), the address that proxy says it is serving.

``X-Forwarded-For`` is a list that every proxy appends its peer to, so only its right end
is written by hops we trust; anything to the left may be made up by the client. The client
is therefore the right-most address that is not a trusted proxy (``GATEWAY_TRUSTED_PROXIES``,
CIDRs, empty by default). From any other peer the header is ignored: the peer is the client.

The answer is what the rate limits count, what the access log writes and what the services
receive as the right-most ``X-Forwarded-For`` address (they believe it only from the
gateway: marketplace_platform.forwarded).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from marketplace_platform.addresses import Address, parse_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Peers seen often (the load balancers themselves) are looked up once; the table is cleared
# when full so that a spray of addresses cannot grow it.
_CACHE_SIZE = 4096


class TrustedProxies:
    """``client(peer, forwarded_for)`` answers the client address and the
    ``X-Forwarded-For`` value to send on (the chain up to and including the client)."""

    def __init__(self, cidrs: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip()
        )
        self._trusted: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.networks)

    def is_trusted(self, peer: str) -> bool:
        known = self._trusted.get(peer)
        if known is None:
            address = parse_address(peer)
            known = address is not None and self._contains(address)
            if len(self._trusted) >= _CACHE_SIZE:
                self._trusted.clear()
            self._trusted[peer] = known
        return known

    def _contains(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: Sequence[str]) -> tuple[str, str]:
        """``forwarded_for``: the request's ``X-Forwarded-For`` header lines, in order.

        Walks the chain (the header's entries, then the peer) from the right while the hops
        are trusted proxies. An entry that is not an address stops the walk at the last hop
        we could vouch for: a trusted proxy wrote it, so nothing left of it is better.
        """
        if not self.is_trusted(peer):
            return peer, _chain(forwarded_for, peer)
        entries = [entry.strip() for line in forwarded_for for entry in line.split(",")]
        client = peer
        kept = len(entries)
        for index in range(len(entries) - 1, -1, -1):
            address = parse_address(entries[index])
            if address is None:
                break
            client, kept = str(address), index
            if not self._contains(address):
                break
        return client, ", ".join([*entries[:kept], client])


def _chain(forwarded_for: Sequence[str], peer: str) -> str:
    """The chain as a proxy passes it on: what came in, then the peer."""
    return ", ".join([*forwarded_for, peer]) if forwarded_for else peer
