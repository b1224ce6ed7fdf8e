"""Where a webhook may be sent: http(s) only, no credentials in the URL, and every address the host resolves to
must be a public one — loopback, private, link-local (169.254.169.254, the cloud metadata service), shared
(100.64/10), multicast, reserved and unspecified addresses are refused, in IPv4 and IPv6 alike, an IPv4 address
inside IPv6 (::ffff:127.0.0.1, 6to4, Teredo, NAT64) counting as itself. An admin may allow hosts, addresses or
networks with KIZUNA_WEBHOOK_ALLOWED_HOSTS.

The check runs when a subscription is saved and again before every request; the request then goes to the very
address that was checked (no second lookup a rebinding DNS server could answer differently)."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from kizuna.core.exceptions import ValidationFailed

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(ValidationFailed):
    """The URL or its addresses may not be called."""

    def __init__(self, message):
        super().__init__(message, field_errors={"url": [str(message)]})


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the Host header and TLS server name)
    port: int
    path: str  # path and query
    address: str = ""  # the checked address to connect to


def resolve(host: str, port: int) -> list[str]:
    """Every address of `host` (a seam for tests: a name that resolves to loopback)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def parse(url: str) -> Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise Refused(_("URL の形式が正しくありません。")) from None
    if parts.scheme not in ("http", "https"):
        raise Refused(_("URL は http:// か https:// で始めてください。"))
    if not parts.hostname:
        raise Refused(_("URL にホスト名がありません。"))
    if parts.username or parts.password:
        raise Refused(_("URL に利用者名やパスワードを含めないでください。"))
    host = parts.hostname.rstrip(".").lower()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def embedded(ip: Address) -> Address:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), else the address itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip.sixtofour:
            return ip.sixtofour
        if ip.teredo:
            return ip.teredo[1]
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def forbidden(ip: Address) -> bool:
    ip = embedded(ip)
    return (
        ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_multicast or ip.is_reserved
        or ip.is_unspecified or not ip.is_global
    )  # fmt: skip


def _allowed_host(host: str) -> bool:
    return host in settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS


def _allowed_address(ip: Address) -> bool:
    for entry in settings.KIZUNA_WEBHOOK_ALLOWED_HOSTS:
        try:
            if ip in ipaddress.ip_network(entry, strict=False) or embedded(ip) in ipaddress.ip_network(entry, False):
                return True
        except ValueError:
            continue  # a host name
    return False


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check(url: str, *, resolve_now: bool = True) -> Target:
    """The URL's target with a checked address to connect to; raises Refused. Without `resolve_now` (saving), a
    name that does not resolve yet is accepted: it is checked again before each request."""
    target = parse(url)
    literal = _literal(target.host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve(target.host, target.port)
        except (OSError, UnicodeError):
            if not resolve_now:
                return target
            raise Refused(_("ホスト名 %(host)s を解決できません。") % {"host": target.host}) from None
        if not addresses:
            raise Refused(_("ホスト名 %(host)s を解決できません。") % {"host": target.host})
    host_allowed = _allowed_host(target.host)
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        if forbidden(ip) and not host_allowed and not _allowed_address(ip):
            raise Refused(
                _("%(host)s は内部のアドレス（%(ip)s）を指しているため送信できません。管理者が許可リスト"
                  "（KIZUNA_WEBHOOK_ALLOWED_HOSTS）に加えたホストだけが使えます。") % {"host": target.host, "ip": ip}
            )  # fmt: skip
    return Target(target.scheme, target.host, target.port, target.path, addresses[0])
