"""Where the phone mode keeps its files, and writing them readable by their owner only (0600)."""

from __future__ import annotations

import os
from pathlib import Path

#: Overrides the folder below (tests, or a second copy of the app with its own key and certificate).
DATA_DIR_ENV_VAR = "KNEECLICK_DATA_DIR"


def data_dir() -> Path:
    """``$KNEECLICK_DATA_DIR``, else the user data folder the store uses (``platformdirs``)."""
    explicit = os.environ.get(DATA_DIR_ENV_VAR)
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_data_dir("kneeclick", appauthor=False))


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` created with mode 0600 (never world- or group-readable, not even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
