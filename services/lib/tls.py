"""X.509 helpers: a self-signed serving certificate for `--cert-dir`, and a small CA that issues certificates.

Keys are ECDSA P-256: cheap enough to give each of thousands of simulated kubelets its own certificate.
"""

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=365)


@dataclass(frozen=True)
class KeyPair:
    """A PEM certificate and its PEM private key."""

    cert_pem: bytes
    key_pem: bytes

    def write(self, cert_path: Path, key_path: Path) -> None:
        """Write both files, the key readable by the owner only."""
        cert_path.parent.mkdir(parents=True, exist_ok=True)
        cert_path.write_bytes(self.cert_pem)
        key_path.touch(mode=0o600)
        key_path.write_bytes(self.key_pem)

    @classmethod
    def read(cls, cert_path: Path, key_path: Path) -> "KeyPair":
        """Read a pair written by `write`."""
        return cls(cert_path.read_bytes(), key_path.read_bytes())


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def new_ca(common_name: str) -> KeyPair:
    """A self-signed certificate authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + 10 * VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _pem(key))


def issue(
    ca: KeyPair,
    common_name: str,
    *,
    hosts: tuple[str, ...] = (),
    organizations: tuple[str, ...] = (),
    client: bool = False,
    peer: bool = False,
) -> KeyPair:
    """A certificate signed by `ca`: for serving `hosts` (IPs or DNS names), for a client identity, or (`peer`) for
    both, as servers in a cluster use one to accept and to open connections to each other."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    usage = [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH]
    usage += [ExtendedKeyUsageOID.CLIENT_AUTH] if peer else []
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organizations))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    )
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName([_san(host) for host in hosts]), critical=False)
    return KeyPair(builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM), _pem(key))


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def self_signed(cert_dir: Path, name: str, hosts: tuple[str, ...]) -> tuple[Path, Path]:
    """The certificate and key in cert_dir, generated (self-signed, like upstream's --cert-dir) when absent."""
    cert_path, key_path = cert_dir / f"{name}.crt", cert_dir / f"{name}.key"
    if not (cert_path.exists() and key_path.exists()):
        ca = new_ca(f"{name}-ca@{int(datetime.datetime.now(datetime.UTC).timestamp())}")
        pair = issue(ca, name, hosts=hosts)
        KeyPair(pair.cert_pem + ca.cert_pem, pair.key_pem).write(cert_path, key_path)
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """A TLS 1.2+ server context, asking for (not requiring) client certificates when client_ca is given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def names_in(cert_path: Path) -> list[str]:
    """The DNS names a certificate is for: its DNS SANs, else its common name (how Go picks SNI names)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        return list(
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        )
    except x509.ExtensionNotFound:
        return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
