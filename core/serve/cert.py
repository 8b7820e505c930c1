"""A self-signed certificate for the phone mode's HTTPS, made once with ``cryptography`` and kept 0600.

A phone's browser gives the microphone and the screen wake lock only to a secure context: HTTPS (or
localhost).  The certificate is nobody's but this computer's, so the phone warns once; after that the page
is a secure context.  Made on this machine, never downloaded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from core.serve.files import data_dir, write_private

CERT_FILE = "https-cert.pem"
KEY_FILE = "https-key.pem"
VALID_DAYS = 825  # the longest a browser accepts for a leaf certificate


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path


def load_or_create_cert(addresses: list[str], folder: Path | None = None, now: dt.datetime | None = None) -> CertFiles:
    """The certificate and key files, made the first time (or again once expired or unreadable).

    ``addresses`` are the IP addresses the certificate names, with ``localhost`` and 127.0.0.1.
    """
    folder = folder or data_dir()
    files = CertFiles(folder / CERT_FILE, folder / KEY_FILE)
    now = now or dt.datetime.now(dt.timezone.utc)
    if files.cert.exists() and files.key.exists() and _still_valid(files.cert, now):
        return files
    _make(files, addresses, now)
    return files


def _still_valid(path: Path, now: dt.datetime) -> bool:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return False
    return cert.not_valid_after_utc > now + dt.timedelta(days=1)


def _make(files: CertFiles, addresses: list[str], now: dt.datetime) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kneeclick on this computer")])
    ips = {ipaddress.ip_address("127.0.0.1"), *(ipaddress.ip_address(a) for a in addresses)}
    sans = [x509.DNSName("localhost"), *(x509.IPAddress(ip) for ip in sorted(ips, key=str))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private(
        files.key,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM))
