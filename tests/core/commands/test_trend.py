"""`kneeclick trend FILE... [--side] [--json]`: the JSON Lines contract, plain full sessions, clear errors."""

import json
import subprocess
import sys

import pandas as pd

from core.analysis.trend import VERDICTS
from core.data.csvio import write_csv
from core.data.sample import SAMPLE_CSV
from tests.helpers import ROOT

FIELDS = ["file", "side", "change_per_week_pct", "ci_low_pct", "ci_high_pct", "checks", "verdict"]


def kneeclick(*args):
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def quick_checks(side: str, clicks: list[int], start="2026-01-05", every_days=3) -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(clicks), freq=f"{every_days}D")
    return pd.DataFrame(
        {
            "session_id": [f"q-{side}-{i}" for i in range(len(clicks))],
            "session_date": [d.date().isoformat() for d in dates],
            "side": side, "movement": "bodyweight_squat", "position": pd.array([None] * len(clicks), dtype="Int64"),
            "muscle_group": "", "stretch_seconds": pd.array([None] * len(clicks), dtype="Int64"),
            "reps_before": 10, "clicks_before": clicks,
            "reps_after": pd.array([None] * len(clicks), dtype="Int64"),
            "clicks_after": pd.array([None] * len(clicks), dtype="Int64"),
            "pain_before": pd.array([0] * len(clicks), dtype="Int64"),
            "pain_after": pd.array([None] * len(clicks), dtype="Int64"),
            "notes": "", "session_status": "finished", "stop_reason": "", "session_notes": "",
            "planned_order": "", "skipped_positions": "", "session_kind": "quick_check",
        }
    )  # fmt: skip


def test_json_lines_one_object_per_file_and_leg_in_input_order(tmp_path):
    falling = [round(20 * 0.8 ** (i * 3 / 7)) for i in range(12)]
    checks = tmp_path / "checks.csv"
    write_csv(pd.concat([quick_checks("right", falling), quick_checks("left", [3])], ignore_index=True), checks)
    result = kneeclick("trend", str(checks), str(SAMPLE_CSV), "--json")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["file"], o["side"]) for o in objects] == [
        (str(checks), "left"), (str(checks), "right"), (str(SAMPLE_CSV), "left")
    ]
    for o in objects:
        assert list(o) == FIELDS
        assert o["verdict"] in VERDICTS
    left, right, sample = objects
    assert left["verdict"] == "too_early" and left["checks"] == 1 and left["change_per_week_pct"] is None
    assert right["verdict"] == "improving" and right["checks"] == 12
    assert -22 < right["change_per_week_pct"] < -18 and right["ci_low_pct"] < right["change_per_week_pct"] < right["ci_high_pct"] < 0
    # The example file has only full sessions: their baselines, one per session.
    assert sample["checks"] == pd.read_csv(SAMPLE_CSV)["session_id"].nunique()


def test_side_picks_one_leg_and_the_text_says_the_sentence_first(tmp_path):
    falling = [round(20 * 0.8 ** (i * 3 / 7)) for i in range(12)]
    checks = tmp_path / "checks.csv"
    write_csv(pd.concat([quick_checks("right", falling), quick_checks("left", [3])], ignore_index=True), checks)
    result = kneeclick("trend", str(checks), "--side", "right", "--json")
    assert [json.loads(line)["side"] for line in result.stdout.splitlines()] == ["right"]
    result = kneeclick("trend", str(checks), "--side", "right")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith(f"{checks}: right knee: It seems to be working: about 20% fewer clicks per week")
    assert "verdict improving" in second


def test_a_bad_file_is_one_line_with_line_and_column_and_nothing_printed(tmp_path):
    good = tmp_path / "good.csv"
    write_csv(quick_checks("left", [5, 4]), good)
    bad = tmp_path / "bad.csv"
    text = good.read_text().splitlines()
    text[2] = text[2].replace(",10,4,", ",10,four,")
    bad.write_text("\n".join(text) + "\n")
    result = kneeclick("trend", str(good), str(bad), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"kneeclick trend: {bad}: line 3, column 9 (clicks_before): expected a whole number, got 'four'"
    )
    missing = kneeclick("trend", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "nope.csv" in missing.stderr and "Traceback" not in missing.stderr


def test_one_check_on_one_day_is_said_in_the_singular(tmp_path):
    checks = tmp_path / "checks.csv"
    write_csv(quick_checks("left", [3]), checks)
    result = kneeclick("trend", str(checks))
    assert result.returncode == 0, result.stderr
    assert "1 test on 1 day, verdict too_early" in result.stdout, result.stdout
