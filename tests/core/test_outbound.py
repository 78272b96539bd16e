"""The guarded outbound HTTP client: public addresses only, the checked address is the one
connected, TLS still checks the host's name, and no redirect is followed."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading

import pytest
import requests
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.core import outbound


@pytest.mark.parametrize(
    "address",
    ["142.250.74.106", "17.253.144.10", "2a00:1450:4001:82b::200a", "64:ff9b::8efa:4a6a"],
)
def test_public_addresses_may_be_reached(address):
    assert outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.251",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::808:808",
        "2002:a9fe:a9fe::1",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    ],
)
def test_our_own_networks_may_not(address):
    assert not outbound.is_public(ipaddress.ip_address(address))


def test_loopback_only_by_name_and_never_a_private_address():
    assert outbound.may_reach(ipaddress.ip_address("127.0.0.1"), loopback=True)
    assert outbound.may_reach(ipaddress.ip_address("::1"), loopback=True)
    assert not outbound.may_reach(ipaddress.ip_address("127.0.0.1"), loopback=False)
    for private in ("10.0.0.1", "169.254.169.254", "0.0.0.0", "::ffff:127.0.0.1"):
        assert not outbound.may_reach(ipaddress.ip_address(private), loopback=True)


# --- over the wire ------------------------------------------------------------------------------


def _certificate(tmp_path, name: str):
    """A CA the test trusts, and a server certificate it signed for `name`; (ca path, server context)."""
    # OpenSSL checks the certificate against the machine's clock, not the tests' frozen one.
    now = time_machine.escape_hatch.datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return str(ca_path), context


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(self.path)
        if self.path == "/moved":
            self.send_response(307)
            self.send_header("Location", self.server.redirect_to)
        else:
            self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def https_server(tmp_path):
    """An https server on 127.0.0.1 with a certificate for push.test; (ca path, port, paths seen)."""
    ca, context = _certificate(tmp_path, "push.test")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.seen, server.redirect_to = [], ""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ca, server
    server.shutdown()
    server.server_close()


def _resolve(monkeypatch, names: dict[str, str]) -> list[str]:
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_tls_checks_the_name_while_connecting_to_the_checked_address(https_server, monkeypatch):
    ca, server = https_server
    port = server.server_address[1]
    asked = _resolve(monkeypatch, {"push.test": "127.0.0.1", "other.test": "127.0.0.1"})
    http = outbound.GuardedSession(lambda url: True, loopback_hosts=frozenset({"push.test", "other.test"}))

    assert http.post(f"https://push.test:{port}/ok", verify=ca).status_code == 201
    with pytest.raises(requests.exceptions.SSLError):
        http.post(f"https://other.test:{port}/ok", verify=ca)  # the certificate names push.test
    assert asked == ["push.test", "other.test"]
    assert server.seen == ["/ok"]


def test_a_redirect_comes_back_as_the_answer(https_server, monkeypatch):
    ca, server = https_server
    port = server.server_address[1]
    server.redirect_to = f"https://push.test:{port}/elsewhere"
    _resolve(monkeypatch, {"push.test": "127.0.0.1"})
    http = outbound.GuardedSession(lambda url: True, loopback_hosts=frozenset({"push.test"}))

    answer = http.post(f"https://push.test:{port}/moved", verify=ca, allow_redirects=True)

    assert answer.status_code == 307
    assert server.seen == ["/moved"]


def test_a_url_the_caller_does_not_allow_is_refused_before_anything_happens(monkeypatch):
    asked = _resolve(monkeypatch, {"push.test": "127.0.0.1"})
    http = outbound.GuardedSession(lambda url: url.startswith("https://fcm.googleapis.com/"))
    with pytest.raises(outbound.Refused):
        http.post("https://push.test/x")
    assert asked == []


def test_a_proxy_in_the_environment_is_not_used(https_server, monkeypatch):
    ca, server = https_server
    port = server.server_address[1]
    _resolve(monkeypatch, {"push.test": "127.0.0.1"})
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.1:3128")
    http = outbound.GuardedSession(lambda url: True, loopback_hosts=frozenset({"push.test"}))
    assert http.post(f"https://push.test:{port}/ok", verify=ca).status_code == 201
