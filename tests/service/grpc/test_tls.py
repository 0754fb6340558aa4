"""TLS and mutual TLS on the gRPC port, with certificates the test makes itself."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from service.grpc.client import FramingClient, tls_credentials
from service.settings import Settings, SettingsError, load_settings
from tests.conftest import LiveServer, start_server


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _key_and_name(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Name]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    server: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Path:
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all fresh."""
    root = tmp_path_factory.mktemp("pki")
    ca_key, ca_name = _key_and_name("framing test CA")
    ca = _certificate(ca_name, ca_key, ca_name, ca_key, ca=True)
    server_key, server_name = _key_and_name("localhost")
    client_key, client_name = _key_and_name("framing client")
    _write(root / "ca.pem", ca, ca_key)
    _write(
        root / "server.pem",
        _certificate(server_name, server_key, ca_name, ca_key, server=True),
        server_key,
    )
    _write(root / "client.pem", _certificate(client_name, client_key, ca_name, ca_key), client_key)
    return Pki(
        root / "ca.pem",
        root / "server.pem",
        root / "server.key",
        root / "client.pem",
        root / "client.key",
    )


def _serve(tiny_bundle: Path, pki: Pki, mutual: bool) -> Iterator[LiveServer]:
    running = start_server(
        tiny_bundle,
        tls_cert_file=pki.server_cert,
        tls_key_file=pki.server_key,
        tls_client_ca_file=pki.ca if mutual else None,
    )
    yield running
    running.channel.close()
    running.server.stop(0).wait()


@pytest.fixture
def tls_server(tiny_bundle: Path, pki: Pki) -> Iterator[LiveServer]:
    yield from _serve(tiny_bundle, pki, mutual=False)


@pytest.fixture
def mtls_server(tiny_bundle: Path, pki: Pki) -> Iterator[LiveServer]:
    yield from _serve(tiny_bundle, pki, mutual=True)


def target(server: LiveServer) -> str:
    return f"127.0.0.1:{server.server.port}"


def test_tls_client_trusting_the_ca_is_served(tls_server: LiveServer, pki: Pki) -> None:
    """A client that trusts the CA classifies and probes health over TLS."""
    with FramingClient(target(tls_server), 10, tls_credentials(pki.ca)) as client:
        assert len(client.classify([("a", "Troops were deployed.")]).results) == 1
        assert client.health() == "SERVING"


def test_plaintext_client_is_refused_by_tls_server(tls_server: LiveServer) -> None:
    """A plaintext client cannot talk to the TLS port."""
    with FramingClient(target(tls_server), 5) as client, pytest.raises(grpc.RpcError) as err:
        client.health()
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_requires_a_client_certificate(mtls_server: LiveServer, pki: Pki) -> None:
    """With a client CA set, only clients presenting a certificate it signed get through."""
    with FramingClient(target(mtls_server), 5, tls_credentials(pki.ca)) as anonymous:
        with pytest.raises(grpc.RpcError) as err:
            anonymous.health()
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    credentials = tls_credentials(pki.ca, pki.client_cert, pki.client_key)
    with FramingClient(target(mtls_server), 10, credentials) as client:
        assert client.health() == "SERVING"
        assert client.model_info().version


def test_tls_settings_must_come_together(pki: Pki) -> None:
    """A certificate without its key, or a client CA without TLS, is a settings error."""
    with pytest.raises(SettingsError, match="together"):
        load_settings(["--tls-cert-file", str(pki.server_cert)])
    with pytest.raises(SettingsError, match="needs --tls-cert-file"):
        load_settings(["--tls-client-ca-file", str(pki.ca)])
    assert Settings(tls_cert_file=pki.server_cert, tls_key_file=pki.server_key).tls_cert_file
