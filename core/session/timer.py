"""The stretch timer: remaining time from a stored start, never from a sleeping loop.

A timer is a start instant and a length.  Everything else (remaining seconds,
progress, whether it is over) is computed from a clock's ``now``, so a page
reload, a closed tab or a restarted server finds the same countdown, and tests
move a ``FakeClock`` instead of waiting.

``KNEECLICK_TIMER_SECONDS`` (tests and demos only) makes every timer started
while it is set last that many seconds; the session still records the stretch
length the person chose.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os

TIMER_ENV_VAR = "KNEECLICK_TIMER_SECONDS"
#: A countdown this close to zero counts as over (the browser and the server never agree to the millisecond).
TOLERANCE_SECONDS = 0.5


def timer_override(environ: dict | None = None) -> float | None:
    """The test setting's timer length in seconds, or None when unset; ValueError if it is not a number >= 0."""
    raw = (os.environ if environ is None else environ).get(TIMER_ENV_VAR, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as e:
        raise ValueError(f"{TIMER_ENV_VAR} must be a number of seconds, got {raw!r}") from e
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{TIMER_ENV_VAR} must be 0 or more seconds, got {raw!r}")
    return value


def effective_seconds(chosen: int, environ: dict | None = None) -> float:
    """How long a timer for a stretch of ``chosen`` seconds really runs (the override wins)."""
    override = timer_override(environ)
    return float(chosen) if override is None else override


@dataclasses.dataclass(frozen=True)
class Timer:
    started_at: dt.datetime  # timezone-aware
    seconds: float

    @property
    def ends_at(self) -> dt.datetime:
        return self.started_at + dt.timedelta(seconds=self.seconds)

    def elapsed(self, now: dt.datetime) -> float:
        return max(0.0, (now - self.started_at).total_seconds())

    def remaining(self, now: dt.datetime) -> float:
        """Seconds left, never below zero (a clock set backwards shows the full length, not more)."""
        return min(self.seconds, max(0.0, (self.ends_at - now).total_seconds()))

    def done(self, now: dt.datetime) -> bool:
        return self.remaining(now) <= TOLERANCE_SECONDS

    def fraction(self, now: dt.datetime) -> float:
        """Share of the time gone, 0.0 to 1.0."""
        if self.seconds <= 0:
            return 1.0
        return min(1.0, max(0.0, 1.0 - self.remaining(now) / self.seconds))

    # Stored as JSON inside the session (see Store.update_flow).
    def to_dict(self) -> dict:
        return {"started_at": self.started_at.isoformat(), "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: dict) -> "Timer":
        started = dt.datetime.fromisoformat(data["started_at"])
        if started.tzinfo is None:
            started = started.replace(tzinfo=dt.UTC)
        return cls(started_at=started, seconds=float(data["seconds"]))


def format_seconds(seconds: float) -> str:
    """``95.2`` -> ``"1:36"`` (rounded up, as a countdown shows it)."""
    whole = max(0, math.ceil(seconds - 1e-9))
    return f"{whole // 60}:{whole % 60:02d}"
