"""This computer's own network addresses: where a phone on the same network can reach it."""

from __future__ import annotations

import ipaddress
import socket


def lan_addresses() -> list[str]:
    """The IPv4 addresses of this computer's interfaces that are up, loopback and link-local left out.

    Private (home network) addresses come first, so the QR code shows the one a phone most likely reaches.
    """
    import psutil

    stats = psutil.net_if_stats()
    found: list[str] = []
    for name, addrs in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for a in addrs:
            if a.family != socket.AF_INET:
                continue
            ip = ipaddress.ip_address(a.address)
            if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
                continue
            if a.address not in found:
                found.append(a.address)
    return sorted(found, key=lambda a: (not ipaddress.ip_address(a).is_private, ipaddress.ip_address(a)))
