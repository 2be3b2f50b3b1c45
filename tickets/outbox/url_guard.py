"""No server-side request forgery: a webhook URL must resolve to public addresses only
(not loopback, private, link-local, cloud metadata, multicast or reserved), checked when it
is registered and again at each delivery, whose connection goes to the very address checked
(no second DNS answer in between). WEBHOOK_ALLOW_PRIVATE_URLS lifts the rule (tests, a
receiver on the same private network)."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


# IPv6 prefixes that carry an IPv4 address a gateway may translate to (NAT64, RFC 6052 and
# 8215; 6to4, RFC 3056): counted "global" by some Python releases, they can reach a private
# or metadata IPv4 address through the gateway.
_TRANSLATED = tuple(
    ipaddress.ip_network(prefix) for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16")
)


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in network for network in _TRANSLATED):
            return False
    return ip.is_global and not ip.is_multicast


def url_resolve(url: str) -> Target:
    """The URL's parts and a public address it resolves to; UnsafeURL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"Not a valid URL: {error}.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Only http and https URLs can receive webhooks.")
    if not parts.hostname:
        raise UnsafeURL("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURL("Credentials in the URL are not allowed; use the signature instead.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as error:
        raise UnsafeURL(f"The host {parts.hostname} does not resolve: {error}.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeURL(f"The host {parts.hostname} does not resolve.")
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        refused = [address for address in addresses if not _address_allowed(address)]
        if refused:
            raise UnsafeURL(
                f"The host {parts.hostname} resolves to a non-public address ({refused[0]}): "
                "loopback, private, link-local and metadata addresses are refused "
                "(WEBHOOK_ALLOW_PRIVATE_URLS)."
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])
