"""Webhook targets: public internet addresses only, unless the workspace allows a host; no redirects.

Refused forms are checked when a trigger is added (the Python API and the command line,
exit 2 naming ``--webhook``) and again before each POST, after resolving the name then:
a resolver given by the test plays DNS, so no system file is touched. Redirects are
answered by a real HTTP server on 127.0.0.1 (allowed explicitly), and a second server
checks that nobody followed them.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import ssl
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.trigger_support import RECENT_CART, T0, Clock, WebhookReceiver, contact, event, shop, store
from workbench.cli import main
from workbench.store.workspace import Workspace
from workbench.triggers import (
    Dispatcher,
    TargetRefused,
    Watcher,
    add_trigger,
    allow_webhook_host,
    disallow_webhook_host,
    list_triggers,
    webhook_allowed_hosts,
)
from workbench.triggers.tables import JOBS
from workbench.triggers.targets import TargetPolicy
from workbench.triggers.webhooks import checked_poster

# (URL, why it is refused), by hand.
REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"),
    ("http://2130706433/", "2130706433 (127.0.0.1) is a loopback address"),
    ("http://0x7f.1/", "0x7f.1 (127.0.0.1) is a loopback address"),
    ("http://0177.0.0.1/", "0177.0.0.1 (127.0.0.1) is a loopback address"),
    ("http://127.1/", "127.1 (127.0.0.1) is a loopback address"),
    ("http://[::1]/", "::1 is a loopback address"),
    ("http://localhost/", "localhost (127.0.0.1) is a loopback address"),
    ("http://api.localhost:9000/h", "api.localhost (127.0.0.1) is a loopback address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://[fe80::1%eth0]/", "fe80::1%eth0 is a link-local address"),
    ("http://10.0.0.1/", "10.0.0.1 is a private address"),
    ("https://172.16.5.4/hook", "172.16.5.4 is a private address"),
    ("http://192.168.1.1/", "192.168.1.1 is a private address"),
    ("http://100.64.0.1/", "100.64.0.1 is not a globally reachable address"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 (127.0.0.1) is a loopback address"),
    ("http://[fd00::5]/", "fd00::5 is a private address"),
    ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
]
MALFORMED = [
    ("file:///etc/passwd", "must be an absolute http(s) URL"),
    ("ftp://files.example.com/", "must be an absolute http(s) URL"),
    ("http:///no-host", "must be an absolute http(s) URL"),
    ("https://trusted.example.com@10.0.0.1/", "must not carry a user name"),
    ("http://crm.example.com:99999/", "invalid port"),
    ("http://[::1/", "is not a valid URL"),
]
PUBLIC = ipaddress.ip_address("93.184.215.14")
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def dns(**answers: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """A resolver answering these names (dots written as ``_``); any other name is unknown."""
    names = {name.replace("_", "."): [address] for name, address in answers.items()}

    def resolve(host: str, port: int) -> list:
        if host not in names:
            raise OSError(f"unknown host {host}")
        return names[host]

    return resolve


def jobs(ws) -> list[dict]:
    with ws.connector.reading() as con:
        return con.to_pyarrow(JOBS.unbound().order_by(["trigger_id", "contact_id"])).to_pylist()


def recent_cart_shop(path: Path) -> Workspace:
    workspace = shop(path, [contact("ala", "Ala")], [])
    workspace.save_segment(RECENT_CART)
    return workspace


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return recent_cart_shop(tmp_path / "s.duckdb")


@pytest.fixture(scope="module")
def refusing(tmp_path_factory) -> Workspace:
    """One store for the refusals: nothing is stored when a target is refused (checked each time)."""
    return recent_cart_shop(tmp_path_factory.mktemp("refusals") / "s.duckdb")


def an_entry(ws, tmp_path: Path, **dispatcher) -> Counter:
    """A watcher's baseline, then ala's cart: the round that acts on her entry; its job counts."""
    clock = Clock(T0)
    watcher = Watcher(ws, clock=clock, dispatcher=Dispatcher(ws, runs_dir=tmp_path / "runs", **dispatcher))
    watcher.tick()
    store(ws, "events", [event("ala", "add_to_cart", clock.move(seconds=1))])
    return watcher.tick().jobs


# --- when a trigger is added ------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "reason"), REFUSED + MALFORMED, ids=[url for url, _ in REFUSED + MALFORMED])
def test_a_refused_target_is_not_added_from_python(refusing, url, reason):
    with pytest.raises(TargetRefused) as refused:
        add_trigger(refusing, "hook", segment="recent_cart", webhook=url)
    assert reason in str(refused.value)
    assert list_triggers(refusing) == []


@pytest.mark.parametrize(("url", "reason"), REFUSED + MALFORMED, ids=[url for url, _ in REFUSED + MALFORMED])
def test_a_refused_target_exits_2_naming_the_webhook_option(refusing, url, reason):
    result = CliRunner().invoke(
        main, ["--db", refusing.url.url, "trigger", "add", "hook", "--segment", "recent_cart", "--webhook", url]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith("--webhook: ") and reason in result.output
    assert list_triggers(refusing) == []


def test_a_name_resolving_to_a_private_address_is_refused_when_added(ws):
    with pytest.raises(TargetRefused, match=r"crm\.example\.com \(10\.1\.2\.3\) is a private address"):
        add_trigger(
            ws,
            "hook",
            segment="recent_cart",
            webhook="https://crm.example.com/hook",
            resolver=dns(crm_example_com=ipaddress.ip_address("10.1.2.3")),
        )


def test_an_allowed_host_is_added_and_the_allow_list_is_kept_by_the_workspace(ws):
    db = ["--db", ws.url.url]

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, [*db, *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert run("trigger", "allow-host", "CRM.internal", "[::1]") == (
        "webhooks may reach crm.internal\nwebhooks may reach ::1\n"
    )
    assert run("trigger", "allowed-hosts") == "::1\ncrm.internal\n"
    assert webhook_allowed_hosts(ws) == ["::1", "crm.internal"]
    add_trigger(ws, "crm", segment="recent_cart", webhook="http://crm.internal/h", resolver=dns())
    add_trigger(ws, "six", segment="recent_cart", webhook="http://[::1]:8080/h")
    assert run("trigger", "disallow-host", "crm.internal", "nope.example") == (
        "crm.internal is no longer allowed\nnope.example was not allowed\n"
    )
    assert json.loads(run("trigger", "allowed-hosts", "--json")) == ["::1"]
    with pytest.raises(TargetRefused, match="loopback"):
        add_trigger(ws, "other", segment="recent_cart", webhook="http://127.0.0.1/h")
    bad = CliRunner().invoke(main, [*db, "trigger", "allow-host", "http://crm.internal/"])
    assert bad.exit_code == 2 and "not a host name or address" in bad.output


# --- when a webhook is sent ---------------------------------------------------------------------------


def test_a_name_that_resolves_to_a_loopback_address_by_send_time_is_refused_and_nothing_is_sent(ws, tmp_path):
    with WebhookReceiver() as receiver:
        url = f"http://hooks.example.com:{receiver.server.server_port}/hooks"
        add_trigger(ws, "hook", segment="recent_cart", webhook=url, resolver=dns(hooks_example_com=PUBLIC))
        rebound = dns(hooks_example_com=LOOPBACK)  # the name's owner points it at us meanwhile
        assert an_entry(ws, tmp_path, poster=checked_poster(ws, rebound)) == Counter({"failed": 1})
        assert receiver.requests == [] and receiver.others == []
    [job] = jobs(ws)
    assert job["status"] == "failed" and job["attempts"] == 1
    assert "hooks.example.com (127.0.0.1) is a loopback address" in job["detail"]


def test_an_allowed_name_is_posted_to_the_address_that_was_checked(ws, tmp_path):
    allow_webhook_host(ws, "hooks.example.com")
    with WebhookReceiver() as receiver:
        port = receiver.server.server_port
        resolver = dns(hooks_example_com=LOOPBACK)  # no system resolver knows this name: only the checked address
        add_trigger(ws, "hook", segment="recent_cart", webhook=f"http://hooks.example.com:{port}/in", resolver=resolver)
        assert an_entry(ws, tmp_path, poster=checked_poster(ws, resolver)) == Counter({"sent": 1})
    [(headers, body)] = receiver.requests
    assert headers["Host"] == f"hooks.example.com:{port}"
    assert [c["id"] for c in json.loads(body)["changes"]] == ["hook:ala:enter:1"]


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for ``name`` and its key, made by the openssl command."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_https_goes_to_the_checked_address_and_checks_the_certificate_against_the_name(ws, tmp_path, monkeypatch):
    cert, key = self_signed(tmp_path, "hooks.example.com")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this certificate alone
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    allow_webhook_host(ws, "hooks.example.com")
    allow_webhook_host(ws, "other.example.com")
    resolver = dns(hooks_example_com=LOOPBACK, other_example_com=LOOPBACK)
    with WebhookReceiver(tls=server_side) as receiver:
        port = receiver.server.server_port
        for trigger_id, host in (("right", "hooks.example.com"), ("wrong", "other.example.com")):
            url = f"https://{host}:{port}/in"
            add_trigger(ws, trigger_id, segment="recent_cart", webhook=url, resolver=resolver)
        assert an_entry(ws, tmp_path, poster=checked_poster(ws, resolver)) == Counter({"sent": 1, "pending": 1})
    [(headers, _)] = receiver.requests
    assert headers["Host"] == f"hooks.example.com:{port}"
    wrong = next(job for job in jobs(ws) if job["trigger_id"] == "wrong")
    assert "CERTIFICATE_VERIFY_FAILED" in wrong["detail"]  # the certificate names hooks.example.com only


def test_a_host_disallowed_after_the_trigger_was_added_is_refused_at_send_time(ws, tmp_path):
    allow_webhook_host(ws, "127.0.0.1")
    with WebhookReceiver() as receiver:
        add_trigger(ws, "hook", segment="recent_cart", webhook=receiver.url)
        assert disallow_webhook_host(ws, "127.0.0.1")
        assert an_entry(ws, tmp_path) == Counter({"failed": 1})  # the watcher's own poster
        assert receiver.requests == []
    [job] = jobs(ws)
    assert "127.0.0.1 is a loopback address" in job["detail"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_fails_the_job(ws, tmp_path, status):
    allow_webhook_host(ws, "127.0.0.1")
    with WebhookReceiver() as elsewhere, WebhookReceiver(statuses=[status], redirect_to=elsewhere.url) as receiver:
        add_trigger(ws, "hook", segment="recent_cart", webhook=receiver.url)
        assert an_entry(ws, tmp_path) == Counter({"failed": 1})
        assert len(receiver.requests) == 1
        assert elsewhere.requests == [] and elsewhere.others == []  # nobody went where it pointed
    [job] = jobs(ws)
    assert (job["status"], job["attempts"]) == ("failed", 1)
    assert f"answered HTTP {status}, a redirect; webhooks do not follow redirects" in job["detail"]


# --- any address --------------------------------------------------------------------------------------

EDGES = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "2001:db8::/32", "fc00::/7", "fe80::/10",
    "fec0::/10", "ff00::/8", "2000::/3",
]  # fmt: skip
addresses = st.ip_addresses() | st.sampled_from(EDGES).flatmap(
    lambda net: st.ip_addresses(network=ipaddress.ip_network(net))
)


def reachable(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The rule from ipaddress's own flags: globally reachable, and not multicast, reserved or
    site-local (which ``is_global`` lets through); an IPv4-mapped IPv6 address is its IPv4 one."""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    site_local = address.version == 6 and address.is_site_local
    return address.is_global and not (address.is_multicast or address.is_reserved or site_local)


def written_forms(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[str]:
    """The host parts a URL may use for ``address``."""
    if address.version == 6:
        return [f"[{address}]", f"[{address.exploded}]"]
    number = int(address)
    octal = ".".join(f"0{byte:o}" for byte in address.packed)
    return [str(address), str(number), f"0x{number:x}", octal, f"[::ffff:{address}]"]


@settings(max_examples=300, deadline=None)
@given(address=addresses)
def test_every_written_form_of_an_address_is_decided_as_ipaddress_flags_say(address):
    policy = TargetPolicy()
    expected = reachable(address)
    for host in written_forms(address):
        url = f"http://{host}:8443/hook"
        for check in (policy.check_definition, policy.addresses):
            try:
                check(url)
                refused = False
            except TargetRefused:
                refused = True
            assert refused is not expected, (url, check.__name__)
