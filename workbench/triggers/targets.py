"""Where a webhook may go: public internet addresses, unless the workspace allows a host.

A webhook URL is typed by whoever adds a trigger, and the watcher POSTs to it from inside
the network it runs in. Left unchecked, ``http://169.254.169.254/…`` reaches the cloud's
metadata service, ``http://127.0.0.1:5432/`` the database, ``http://10.0.0.1/`` the office
router — a server-side request forgery. So a target must be an ``http``/``https`` URL whose
host is, and resolves only to, globally reachable unicast addresses: loopback, link-local,
private, shared (100.64/10), multicast, reserved and unspecified addresses are refused,
also when written as ``http://2130706433/``, ``http://0x7f.1/``, ``http://0177.0.0.1/`` or
``http://[::ffff:127.0.0.1]/`` (the system's resolver reads those forms, and every address
it returns is checked).

A receiver inside the network (a CRM on ``10.0.0.5``, a test server on ``127.0.0.1``) is
reached only after the workspace allows its host explicitly, by name or address as written
in the URL (setting ``webhook_allowed_hosts``; ``workbench trigger allow-host HOST``).

The check runs when a trigger is added and again before every POST, on the addresses the
name resolves to then (DNS can change after the trigger was added); the POST connects to
one of those checked addresses (``workbench.triggers.webhooks``), so a name cannot resolve
to a public address for the check and to a private one for the connection.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.errors import WorkbenchError
from workbench.store import catalog_store
from workbench.store.connection import transaction
from workbench.store.workspace import Workspace

ALLOWED_HOSTS_SETTING = "webhook_allowed_hosts"
"""The workspace setting: a JSON list of hosts webhooks may reach whatever their address."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], list[Address]]
"""The addresses a host name (or numeric host) stands for at a port; raises OSError when it has none."""

_HOST_NAME = re.compile(r"^[\w-]+(\.[\w-]+)*$")


class TargetRefused(WorkbenchError):
    """A webhook URL that the workbench will not POST to; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart: what to connect to, and what to ask for."""

    url: str
    scheme: str  # http | https
    host: str  # as written in the URL, lower case, without brackets
    port: int
    path: str  # with the query; what the request line asks for


def parse_target(url: str) -> Target:
    """Take a webhook URL apart; refuse anything but an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # e.g. an unclosed [IPv6 host
        raise TargetRefused(f"webhook URL {url!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"webhook URL {url!r} must be an absolute http(s) URL with a host")
    if parts.username is not None or parts.password is not None:
        # The signature authenticates the workbench; a user name in the URL is also how
        # "http://trusted.example@10.0.0.1/" disguises where a request really goes.
        raise TargetRefused(f"webhook URL {url!r} must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused(f"webhook URL {url!r} has an invalid port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, parts.scheme, parts.hostname, port, path)


def refusal(address: Address) -> str | None:
    """Why a webhook may not go to ``address`` (e.g. ``"a loopback address"``); None when it may.

    An IPv4 address written as IPv6 (``::ffff:127.0.0.1``) is judged as the IPv4 address
    it reaches.

    >>> refusal(ipaddress.ip_address("169.254.169.254")), refusal(ipaddress.ip_address("93.184.215.14"))
    ('a link-local address', None)
    >>> refusal(ipaddress.ip_address("::ffff:10.0.0.1"))
    'a private address'
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "a site-local address"),
        (not address.is_global, "not a globally reachable address"),  # e.g. 100.64.0.0/10
    )
    return next((reason for failed, reason in checks if failed), None)


def system_resolver(host: str, port: int) -> list[Address]:
    """The addresses the system's resolver gives for ``host`` (numeric forms included), in its order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(sockaddr[0]) for *_, sockaddr in found))


def normalise_host(host: str) -> str:
    """A host as the allow list keeps it: lower case, no brackets or final dot, addresses canonical.

    >>> normalise_host("[::0001]"), normalise_host("CRM.Internal.")
    ('::1', 'crm.internal')
    """
    text = host.strip().lower().removeprefix("[").removesuffix("]").removesuffix(".")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if not _HOST_NAME.match(text):
        raise WorkbenchError(
            f"{host!r} is not a host name or address; give the host as it appears in the webhook URL, "
            "e.g. crm.internal or 10.0.0.5"
        )
    return text


@dataclass(frozen=True)
class TargetPolicy:
    """The hosts a workspace allows beyond the public internet, and how names are resolved."""

    allowed_hosts: frozenset[str] = frozenset()
    resolver: Resolver = system_resolver

    def allows_host(self, host: str) -> bool:
        try:
            return normalise_host(host) in self.allowed_hosts
        except WorkbenchError:
            return False

    def check_definition(self, url: str) -> Target:
        """The check when a trigger is added: the URL's form, and its host's addresses if it
        resolves now. A name that does not resolve yet is accepted; it is checked at each send."""
        target = parse_target(url)
        if self.allows_host(target.host):
            return target
        try:
            addresses = self._resolve(target)
        except OSError:
            return target
        self._check(target, addresses)
        return target

    def addresses(self, url: str) -> tuple[Target, list[Address]]:
        """The check before a POST: the addresses to connect to, every one of them allowed.

        Raises TargetRefused, or OSError when the name does not resolve (which may pass).
        """
        target = parse_target(url)
        addresses = self._resolve(target)
        if not self.allows_host(target.host):
            self._check(target, addresses)
        return target, addresses

    def _resolve(self, target: Target) -> list[Address]:
        host = target.host
        if host == "localhost" or host.endswith(".localhost"):
            # Loopback by definition (RFC 6761), whatever a resolver says.
            return [ipaddress.ip_address("127.0.0.1")]
        try:
            return [ipaddress.ip_address(host)]  # written as an address: nothing to resolve
        except ValueError:
            pass
        addresses = self.resolver(host, target.port)
        if not addresses:
            raise OSError(f"{host} has no address")
        return addresses

    def _check(self, target: Target, addresses: Iterable[Address]) -> None:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                reached = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
                shown = str(reached or address)
                where = target.host if target.host == shown else f"{target.host} ({shown})"
                raise TargetRefused(
                    f"webhook URL {target.url!r}: {where} is {reason}; webhooks go to public internet "
                    f"addresses only. To reach a receiver on your own network, allow its host: "
                    f"workbench trigger allow-host {target.host}"
                )


def read_policy(ws: Workspace, resolver: Resolver = system_resolver) -> TargetPolicy:
    """The workspace's policy as stored now."""
    return TargetPolicy(frozenset(webhook_allowed_hosts(ws)), resolver)


def webhook_allowed_hosts(ws: Workspace) -> list[str]:
    """The hosts webhooks may reach whatever their address, sorted."""
    with ws.connector.reading() as con:
        return _stored_hosts(catalog_store.read_settings(con))


def allow_webhook_host(ws: Workspace, host: str) -> str:
    """Let webhooks reach ``host`` (a name or an address, as in the URL) wherever it points.

    Returns the host as stored. Allow only receivers you run: an allowed host is not checked
    against loopback, private or link-local addresses at all.
    """
    host = normalise_host(host)
    _change_hosts(ws, lambda hosts: hosts | {host})
    return host


def disallow_webhook_host(ws: Workspace, host: str) -> bool:
    """Stop allowing ``host``; False when it was not allowed."""
    host = normalise_host(host)
    return host in _change_hosts(ws, lambda hosts: hosts - {host})


def _change_hosts(ws: Workspace, change: Callable[[set[str]], set[str]]) -> set[str]:
    """Apply ``change`` to the stored hosts in one write; returns the hosts before it."""
    with ws.connector.writing() as con, transaction(con):
        before = set(_stored_hosts(catalog_store.read_settings(con)))
        catalog_store.write_setting(con, ALLOWED_HOSTS_SETTING, json.dumps(sorted(change(before))))
    return before


def _stored_hosts(settings: dict[str, str]) -> list[str]:
    return sorted(json.loads(settings.get(ALLOWED_HOSTS_SETTING, "[]")))
