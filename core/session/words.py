"""Small helpers for the words a person reads."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None, *, more: str = "") -> str:
    """``n`` and ``noun`` in the number that fits: "1 session", "3 sessions", "0 sessions" (``plural``: when it
    is not ``noun`` + "s"); ``more``: text between the number and the noun ("4+" with ``more="+"``)."""
    return f"{n}{more} {noun if n == 1 and not more else (plural or noun + 's')}"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``12th``, ``13th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
