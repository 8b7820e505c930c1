"""The access key that keeps other visitors out of the phone mode.

The key is made once (``secrets.token_urlsafe``), kept 0600 in the data folder, carried in the phone's link
(``?key=...``) and remembered by that browser in a cookie.  Every other visitor is shown only "scan the code".
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from core.serve.files import data_dir, write_private

KEY_FILE = "access-key"
#: The app reads the expected key from here; set by ``kneeclick serve --phone`` only (no key: no gate).
KEY_ENV_VAR = "KNEECLICK_ACCESS_KEY"
#: The query parameter of the phone's link, and the cookie the browser keeps it in.
KEY_PARAM = "key"
COOKIE = "kneeclick_key"
#: Shown instead of any page to a visitor without the key.
LOCKED_TEXT = "Scan the code on the computer to open kneeclick on this device."


def load_or_create_key(folder: Path | None = None) -> str:
    """The access key, made on the first call and read back ever after."""
    path = (folder or data_dir()) / KEY_FILE
    if path.exists():
        key = path.read_text().strip()
        if len(key) >= 16:
            return key
    key = secrets.token_urlsafe(24)
    write_private(path, key.encode())
    return key


def matches(expected: str | None, offered: str | None) -> bool:
    """Whether ``offered`` is the key (compared in constant time); no key expected means open."""
    if not expected:
        return True
    if not offered or not isinstance(offered, str):
        return False
    return hmac.compare_digest(expected.encode(), offered.encode())
