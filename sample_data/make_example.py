"""Regenerate example_sessions.csv: a made-up person, left knee, seven sessions.

The person's truth (unknown to the app): tight quadriceps (a stretch cuts the
click rate to about 45%, half of it carrying over to later tests), a mild
warm-up drift, day-to-day variation and over-dispersed counts.  Run:
``python sample_data/make_example.py`` (deterministic).
"""

import csv
import datetime as dt
from pathlib import Path

import numpy as np

GROUPS = ["quadriceps", "hamstrings", "calves", "hip_abductors", "rest_control"]
EFFECT = {"quadriceps": 0.45, "hamstrings": 0.95, "calves": 0.9, "hip_abductors": 1.0, "rest_control": 1.0}
REPS = 10
NOTES = {
    (1, 3): "felt the stretch mostly behind the knee",
    (4, 2): "quiet room, phone on the chair",
    (6, 5): 'slept badly, "stiff" morning',
}


def main() -> None:
    rng = np.random.default_rng(20261101)
    day = dt.date(2026, 10, 5)
    rows = []
    for s in range(1, 8):
        order = list(rng.permutation(GROUPS))
        base_rate = 0.85 * np.exp(rng.normal(0, 0.2))
        carried = 1.0

        def count(rate):
            # gamma-Poisson (negative binomial) noise, k = 8
            return int(rng.poisson(rng.gamma(8, rate * REPS / 8)))

        before = count(base_rate)
        n_done = 3 if s == 5 else len(order)  # session 5 stopped early
        for pos, group in enumerate(order[:n_done], start=1):
            drift = 0.95 ** pos
            after = count(base_rate * drift * carried * EFFECT[group])
            if EFFECT[group] < 1:
                carried *= 1 - 0.5 * (1 - EFFECT[group])
            rows.append(
                {
                    "session_id": f"example-{s:02d}",
                    "session_date": day.isoformat(),
                    "side": "left",
                    "movement": "bodyweight_squat",
                    "position": pos,
                    "muscle_group": group,
                    "stretch_seconds": 90,
                    "reps_before": REPS,
                    "clicks_before": before,
                    "reps_after": REPS,
                    "clicks_after": after,
                    "pain_before": 0,
                    "pain_after": 1 if (s == 5 and pos == 3) else 0,
                    "notes": NOTES.get((s, pos), ""),
                    # the export's optional column: session 5 was stopped, the others ran to the end
                    "session_status": "stopped" if s == 5 else "finished",
                }
            )
            before = after
        day += dt.timedelta(days=int(rng.integers(2, 5)))
    out = Path(__file__).with_name("example_sessions.csv")
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
