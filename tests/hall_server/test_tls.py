"""TLS end to end: the kiosk verifies the hall with its CA bundle and proves itself with a client
certificate when the hall demands one. Certificates are made here, for 127.0.0.1, with cryptography."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hall_server.app import HallConfig
from hall_server.server import HallServer, TlsSettings
from kiosk.hall.client import HallClient, HallUnavailable

KIOSK_ID, SECRET = "kiosk-tls-01", b"tls-secret"


def _write(path: Path, *pems: bytes) -> str:
    path.write_bytes(b"".join(pems))
    return str(path)


def _certificate(subject: str, issuer_name: x509.Name | None, issuer_key, key, *, ca: bool, usage=None,
                 ip: str | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test Hall CA", None, None, ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _certificate("127.0.0.1", ca.subject, ca_key, server_key, ca=False,
                          usage=ExtendedKeyUsageOID.SERVER_AUTH, ip="127.0.0.1")
    kiosk_key = ec.generate_private_key(ec.SECP256R1())
    kiosk = _certificate(KIOSK_ID, ca.subject, ca_key, kiosk_key, ca=False, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    return {
        "ca": _write(folder / "ca.pem", _pem(ca)),
        "server_cert": _write(folder / "server.pem", _pem(server)),
        "server_key": _write(folder / "server.key", _key_pem(server_key)),
        "kiosk_cert": _write(folder / "kiosk.pem", _pem(kiosk)),
        "kiosk_key": _write(folder / "kiosk.key", _key_pem(kiosk_key)),
    }


@pytest.fixture
def tls_hall(tmp_path, pki):
    config = HallConfig(db_path=str(tmp_path / "hall.sqlite3"), kiosks={KIOSK_ID: SECRET}, always_open=True)
    server = HallServer(config, tls=TlsSettings(pki["server_cert"], pki["server_key"], pki["ca"])).start()
    yield server
    server.stop()


def _client(server, **options) -> HallClient:
    return HallClient(server.base_url, KIOSK_ID, SECRET, connect_timeout=2, read_timeout=5, retries=0, **options)


def test_kiosk_with_ca_bundle_and_client_certificate_is_served(tls_hall, pki):
    assert tls_hall.base_url.startswith("https://127.0.0.1:")
    client = _client(tls_hall, ca_bundle=pki["ca"], client_cert=(pki["kiosk_cert"], pki["kiosk_key"]))
    assert client.issue_ticket("social").number == "A001"
    client.close()


def test_kiosk_without_client_certificate_is_turned_away(tls_hall, pki):
    with pytest.raises(HallUnavailable):
        _client(tls_hall, ca_bundle=pki["ca"]).queues()


def test_kiosk_that_does_not_trust_the_hall_certificate_refuses_to_talk(tls_hall, pki):
    with pytest.raises(HallUnavailable) as failure:
        _client(tls_hall, client_cert=(pki["kiosk_cert"], pki["kiosk_key"])).queues()
    assert "TLS" in str(failure.value)


def test_a_hall_serving_tls_itself_logs_no_review_token(tmp_path, pki, caplog):
    """GIVEN the hall serving HTTPS itself (werkzeug, whose own request log writes whole request lines) WHEN a
    phone opens a review link THEN no log line holds the token: the hall's access log writes the route."""
    config = HallConfig(db_path=str(tmp_path / "hall.sqlite3"), kiosks={KIOSK_ID: SECRET}, always_open=True)
    server = HallServer(config, tls=TlsSettings(pki["server_cert"], pki["server_key"])).start()
    try:
        client = _client(server, ca_bundle=pki["ca"])
        ticket = client.issue_ticket("social")
        link = client.review_link(ticket_id=ticket.ticket_id)
        client.close()
        with caplog.at_level(logging.DEBUG):
            assert requests.get(link.url, verify=pki["ca"], timeout=5).status_code == 200
    finally:
        server.stop()
    lines = [record.getMessage() for record in caplog.records if not record.name.startswith("urllib3")]
    assert any("GET /r/<token> 200" in line for line in lines)
    assert not any(link.token in line for line in lines), [line for line in lines if link.token in line]


def test_finding_1_idle_connections_that_never_say_hello_do_not_freeze_the_tls_hall(tls_hall, pki):
    """GIVEN five TCP connections to the TLS hall that never send a ClientHello WHEN a kiosk asks for a ticket
    THEN it is answered within its timeout (werkzeug's server did the handshake in its accept loop: one silent
    connection froze the whole hall)."""
    silent = [socket.create_connection(("127.0.0.1", tls_hall.port), timeout=5) for _ in range(5)]
    try:
        client = _client(tls_hall, ca_bundle=pki["ca"], client_cert=(pki["kiosk_cert"], pki["kiosk_key"]))
        assert client.issue_ticket("social").number == "A001"
        client.close()
    finally:
        for connection in silent:
            connection.close()


def test_finding_1_a_silent_connection_is_dropped_after_the_request_deadline(tmp_path, pki):
    config = HallConfig(db_path=str(tmp_path / "hall.sqlite3"), kiosks={KIOSK_ID: SECRET}, always_open=True)
    server = HallServer(config, tls=TlsSettings(pki["server_cert"], pki["server_key"], pki["ca"]),
                        request_deadline=0.5).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as silent:
            assert silent.recv(1) == b""              # closed by the hall, well before this socket's timeout
    finally:
        server.stop()
