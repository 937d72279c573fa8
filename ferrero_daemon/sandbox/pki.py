"""A throw-away PKI for loopback TLS: a CA, a server certificate, client certificates.

Used by the OTMM emulator's mutual-TLS mode and the SMTP emulator's STARTTLS, in
tests and in the sandbox. Nothing here is for production use.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_LOOPBACK_NAMES = [
    x509.DNSName("localhost"),
    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    x509.IPAddress(ipaddress.ip_address("::1")),
]


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(
    subject: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
    )


class TestPki:
    """A CA that issues loopback server certificates and client certificates."""

    __test__ = False  # not a pytest test class

    def __init__(self, name: str = "ferrero-sandbox-ca") -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            _builder(name, _name(name), key)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.ca = Issued(cert, key)

    def issue(self, common_name: str, *, server: bool) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = _builder(common_name, self.ca.cert.subject, key).add_extension(
            x509.ExtendedKeyUsage([usage]), critical=False
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(_LOOPBACK_NAMES), critical=False
            )
        return Issued(builder.sign(self.ca.key, hashes.SHA256()), key)

    def write_ca(self, path: Path) -> Path:
        path.write_bytes(self.ca.cert_pem())
        return path

    def client_pfx(self, path: Path, password: str, common_name: str = "ferrero-daemon") -> Path:
        """Write a password-protected PKCS#12 client certificate, as Ferrero IT would hand out."""
        issued = self.issue(common_name, server=False)
        data = pkcs12.serialize_key_and_certificates(
            common_name.encode(),
            issued.key,
            issued.cert,
            [self.ca.cert],
            serialization.BestAvailableEncryption(password.encode()),
        )
        path.write_bytes(data)
        path.chmod(0o600)
        return path

    def server_context(
        self, directory: Path, *, require_client_cert: bool = False
    ) -> ssl.SSLContext:
        """A server-side SSL context for 127.0.0.1; optionally demanding a client certificate."""
        issued = self.issue("localhost", server=True)
        cert_file, key_file = directory / "server.pem", directory / "server.key"
        cert_file.write_bytes(issued.cert_pem() + self.ca.cert_pem())
        key_file.write_bytes(issued.key_pem())
        key_file.chmod(0o600)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=self.ca.cert_pem().decode())
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client-side context trusting only this CA."""
        return ssl.create_default_context(cadata=self.ca.cert_pem().decode())
