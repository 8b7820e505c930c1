"""`kneeclick serve --phone` for real: HTTPS at this machine's own network address, a QR code, and the key.

The server is started as a person would (`python -m core.cli serve --phone --port N`), on a free port, with
its own data folder (certificate, key) and store.  Traffic goes only to this machine's own non-loopback
interface address.
"""

from __future__ import annotations

import io
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
import pytest

from core.serve import access, qr
from core.serve.addresses import lan_addresses
from tests.helpers import DESKTOP, PHONE, ROOT, shot, wait_for_app

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory):
    """``(phone_url, printed)``: serve --phone, healthy over HTTPS at this machine's own network address."""
    tmp_path = tmp_path_factory.mktemp("phone")
    addresses = lan_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address")
    port = _free_port()
    env = {
        **os.environ,
        "KNEECLICK_DATA_DIR": str(tmp_path / "data"),
        "KNEECLICK_DB_URL": f"sqlite:///{tmp_path / 'phone.sqlite3'}",
    }
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--phone", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE  # its own self-signed certificate
    health = f"https://{addresses[0]}:{port}/_stcore/health"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(health, timeout=2, context=insecure) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        printed = (tmp_path / "serve.log").read_text()
        url = re.search(r"On your phone[^:]*: (\S+)", printed).group(1)
        yield url, printed
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _decode_terminal_qr(printed: str) -> list[str]:
    import numpy as np
    import zxingcpp

    drawn = "\n".join(ln for ln in printed.splitlines() if ln and set(re.sub(r"\x1b\[[0-9;]*m", "", ln)) <= set(" ▀▄█"))
    modules = np.array(qr.from_terminal_text(drawn), dtype=np.uint8)
    picture = np.kron(np.where(modules == 1, 0, 255).astype(np.uint8), np.ones((8, 8), dtype=np.uint8))
    return [b.text for b in zxingcpp.read_barcodes(np.pad(picture, 32, constant_values=255))]


def _decode_png(data: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def test_the_phone_link_is_a_secure_context_with_microphone_and_wake_lock(phone_server, new_page, patient_expect) -> None:
    from playwright.sync_api import expect

    url, printed = phone_server
    host = re.match(r"https://([\d.]+):\d+/\?key=", url).group(1)
    assert host in lan_addresses() and not host.startswith("127.")
    assert _decode_terminal_qr(printed) == [url]  # the code in the terminal is the printed link

    phone = new_page(PHONE, ignore_https_errors=True)  # a phone after its one certificate warning
    phone.goto(url)
    wait_for_app(phone)
    expect(phone.get_by_text("Find what makes your knee click")).to_be_visible()
    seen = phone.evaluate("() => [window.isSecureContext, !!navigator.mediaDevices, !!navigator.wakeLock]")
    assert seen == [True, True, True]
    assert "key=" not in phone.url  # dropped from the address bar once read
    phone.reload()  # the browser remembers the key
    wait_for_app(phone)
    expect(phone.get_by_text("Find what makes your knee click")).to_be_visible()
    expect(phone.get_by_text("Open on your phone")).to_be_hidden()  # a phone needs no code to scan
    shot(phone, "phone-secure-context-390")

    computer = new_page(DESKTOP, ignore_https_errors=True)
    computer.goto(url.replace(host, "localhost"))
    wait_for_app(computer)
    computer.get_by_text("Open on your phone").click()
    picture = computer.locator('[data-testid="stPopoverBody"] img').first
    expect(picture).to_be_visible()
    shot(computer, "phone-open-on-your-phone-1280")
    assert _decode_png(picture.screenshot()) == [url]  # the app's code decodes to the same link


def test_a_visitor_without_the_key_sees_no_data_on_any_page_or_link(phone_server, new_page, patient_expect) -> None:
    from playwright.sync_api import expect

    url, _ = phone_server
    base = url.split("?")[0].rstrip("/")
    owner = new_page(PHONE, ignore_https_errors=True)
    owner.goto(url)
    wait_for_app(owner)
    owner.get_by_role("link", name="History").click()
    wait_for_app(owner)
    expect(owner.get_by_text("Show the example data")).to_be_visible()

    stranger = new_page(PHONE, ignore_https_errors=True)  # same network, no key
    links = ["/", "/session", "/session?session=abc123", "/results", "/results?example=true", "/history",
             "/history?example=true&open=x", "/about", f"/?{access.KEY_PARAM}=wrong-key"]  # fmt: skip
    for path in links:
        stranger.goto(base + path)
        wait_for_app(stranger)
        body = stranger.locator('[data-testid="stMain"]')
        expect(body).to_contain_text(access.LOCKED_TEXT)
        text = stranger.evaluate("() => document.body.innerText")
        for secret in ("Show the example data", "History", "Results", "Safety", "clinician", "Open on your phone"):
            assert secret not in text, f"{path} shows {secret!r} to a visitor without the key"
    shot(stranger, "phone-stranger-locked-390")


def test_plain_serve_answers_on_this_computer_only(tmp_path) -> None:
    addresses = lan_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address")
    port = _free_port()
    env = {**os.environ, "KNEECLICK_DATA_DIR": str(tmp_path / "data"),
           "KNEECLICK_DB_URL": f"sqlite:///{tmp_path / 'plain.sqlite3'}"}  # fmt: skip
    env.pop(access.KEY_ENV_VAR, None)
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        with pytest.raises(OSError):  # nobody else on the network reaches it
            socket.create_connection((addresses[0], port), timeout=2).close()
        printed = (tmp_path / "serve.log").read_text()
        assert f"http://localhost:{port}/" in printed and "key=" not in printed
        assert not (tmp_path / "data").exists(), "no key or certificate is made for plain serve"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
