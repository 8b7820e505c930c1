"""The QR code of the phone's link: a module matrix (``segno``), drawn for a terminal or as a PNG."""

from __future__ import annotations

import io

#: Black on white whatever the terminal's colours, so a phone's camera reads it.
_ON, _OFF = "\x1b[30;47m", "\x1b[0m"
QUIET = 2  # light modules around the code (scanners need a margin)


def matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) / light modules, with a quiet border."""
    import segno

    code = segno.make(text, error="m", micro=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=QUIET)]


def terminal_text(text: str, color: bool = True) -> str:
    """The QR code drawn with half blocks: two module rows per line (``▀`` top dark, ``▄`` bottom, ``█`` both)."""
    rows = matrix(text)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    glyph = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    lines = []
    for top, bottom in zip(rows[0::2], rows[1::2]):
        body = "".join(glyph[t, b] for t, b in zip(top, bottom))
        lines.append(f"{_ON}{body}{_OFF}" if color else body)
    return "\n".join(lines)


def from_terminal_text(drawn: str) -> list[list[bool]]:
    """Read back what ``terminal_text`` drew (ANSI colours ignored): the module rows."""
    import re

    rows: list[list[bool]] = []
    for line in re.sub(r"\x1b\[[0-9;]*m", "", drawn).splitlines():
        rows.append([c in "▀█" for c in line])
        rows.append([c in "▄█" for c in line])
    return rows


def png(text: str, scale: int = 6) -> bytes:
    """The QR code of ``text`` as PNG bytes (for the app's "Open on your phone")."""
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
