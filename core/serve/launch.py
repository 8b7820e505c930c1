"""The `streamlit run` command that `kneeclick serve` starts: on 127.0.0.1, or (phone mode) HTTPS on every interface."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from core.data.store import ENV_VAR as DB_ENV_VAR
from core.serve import access, cert
from core.serve.addresses import lan_addresses
from core.serve.files import data_dir

APP = Path(__file__).resolve().parent.parent.parent / "app.py"
DEFAULT_PORT = 8501
#: The app shows the QR code of this link ("Open on your phone"); set in phone mode only.
PHONE_URL_ENV_VAR = "KNEECLICK_PHONE_URL"


@dataclass
class Plan:
    """What to start and what to tell the person: ``argv`` and ``env`` of the server, its addresses."""

    argv: list[str]
    env: dict[str, str]
    local_url: str
    phone_urls: list[str] = field(default_factory=list)
    cert: cert.CertFiles | None = None


def link(host: str, port: int, key: str | None = None, scheme: str = "https") -> str:
    """``https://HOST:PORT/`` with the access key as ``?key=...``."""
    query = f"?{urlencode({access.KEY_PARAM: key})}" if key else ""
    return f"{scheme}://{host}:{port}/{query}"


def plan(*, phone: bool, port: int = DEFAULT_PORT, db_url: str | None = None, python: str = sys.executable) -> Plan:
    """The server to start.  Phone mode makes (once) the certificate and the access key in the data folder."""
    argv = [
        python, "-m", "streamlit", "run", str(APP),
        "--server.headless=true", f"--server.port={port}", "--browser.gatherUsageStats=false",
        # Its own banner then names localhost only: no look-up of an outside "External URL" or route.
        "--browser.serverAddress=localhost", "--server.fileWatcherType=none",
    ]  # fmt: skip
    env = dict(os.environ)
    if db_url:
        env[DB_ENV_VAR] = db_url
    env.pop(access.KEY_ENV_VAR, None)
    env.pop(PHONE_URL_ENV_VAR, None)
    if not phone:
        argv.append("--server.address=127.0.0.1")
        return Plan(argv, env, local_url=f"http://localhost:{port}/")
    folder = data_dir()
    addresses = lan_addresses()
    files = cert.load_or_create_cert(addresses, folder)
    key = access.load_or_create_key(folder)
    argv += ["--server.address=0.0.0.0", f"--server.sslCertFile={files.cert}", f"--server.sslKeyFile={files.key}"]
    phone_urls = [link(a, port, key) for a in addresses]
    env[access.KEY_ENV_VAR] = key
    if phone_urls:
        env[PHONE_URL_ENV_VAR] = phone_urls[0]
    return Plan(argv, env, local_url=link("localhost", port, key), phone_urls=phone_urls, cert=files)
