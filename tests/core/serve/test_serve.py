"""The phone mode's pieces: the access key, the certificate, the QR code and the server command."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat

import pytest

from core.serve import access, cert, qr
from core.serve.addresses import lan_addresses
from core.serve.launch import PHONE_URL_ENV_VAR, plan


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KNEECLICK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_access_key_is_made_once_and_kept_readable_by_its_owner_only(data_dir) -> None:
    key = access.load_or_create_key()
    assert len(key) >= 24
    assert _mode(data_dir / access.KEY_FILE) == 0o600
    assert access.load_or_create_key() == key  # the phone's link keeps working after a restart


def test_only_the_exact_key_opens_the_app() -> None:
    assert access.matches("s3cret-key", "s3cret-key")
    assert not access.matches("s3cret-key", "s3cret-ke")
    assert not access.matches("s3cret-key", None)
    assert not access.matches("s3cret-key", "")
    assert access.matches(None, None)  # no key expected (plain serve): open


def test_the_certificate_is_made_once_names_this_computer_and_is_private(data_dir) -> None:
    from cryptography import x509

    files = cert.load_or_create_cert(["192.0.2.7"], data_dir)
    assert _mode(files.key) == 0o600 and _mode(files.cert) == 0o600
    c = x509.load_pem_x509_certificate(files.cert.read_bytes())
    sans = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("192.0.2.7") in sans.get_values_for_type(x509.IPAddress)
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    first = files.cert.read_bytes()
    assert cert.load_or_create_cert(["192.0.2.7"], data_dir).cert.read_bytes() == first  # not made again
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=cert.VALID_DAYS + 1)
    assert cert.load_or_create_cert(["192.0.2.7"], data_dir, now=later).cert.read_bytes() != first  # renewed


def test_the_terminal_qr_code_decodes_to_the_phone_link() -> None:
    import numpy as np
    import zxingcpp

    url = "https://192.0.2.7:8501/?key=abcDEF123_-xyz"
    rows = qr.from_terminal_text(qr.terminal_text(url))
    modules = np.array(rows, dtype=np.uint8)
    picture = np.kron(np.where(modules == 1, 0, 255).astype(np.uint8), np.ones((8, 8), dtype=np.uint8))
    picture = np.pad(picture, 32, constant_values=255)
    found = zxingcpp.read_barcodes(picture)
    assert [b.text for b in found] == [url]


def test_the_app_qr_picture_decodes_to_the_phone_link() -> None:
    import io

    import zxingcpp
    from PIL import Image

    url = "https://192.0.2.7:8501/?key=abcDEF123_-xyz"
    assert [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.png(url))))] == [url]


def test_plain_serve_listens_on_this_computer_only_without_https(data_dir) -> None:
    p = plan(phone=False, port=9123, db_url="sqlite:////tmp/x.sqlite3")
    assert "--server.address=127.0.0.1" in p.argv and "--server.port=9123" in p.argv
    assert not any("ssl" in a for a in p.argv)
    assert access.KEY_ENV_VAR not in p.env and p.env["KNEECLICK_DB_URL"] == "sqlite:////tmp/x.sqlite3"
    assert p.local_url == "http://localhost:9123/"
    assert not data_dir.exists()  # no key, no certificate made


def test_phone_serve_is_https_on_every_interface_behind_the_key(data_dir) -> None:
    p = plan(phone=True, port=9124)
    assert "--server.address=0.0.0.0" in p.argv
    assert f"--server.sslCertFile={p.cert.cert}" in p.argv and f"--server.sslKeyFile={p.cert.key}" in p.argv
    key = access.load_or_create_key()
    assert p.env[access.KEY_ENV_VAR] == key
    assert p.local_url == f"https://localhost:9124/?key={key}"
    for ip, url in zip(lan_addresses(), p.phone_urls, strict=True):
        assert url == f"https://{ip}:9124/?key={key}"
        assert not ipaddress.ip_address(ip).is_loopback
    if p.phone_urls:
        assert p.env[PHONE_URL_ENV_VAR] == p.phone_urls[0]
