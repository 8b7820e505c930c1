"""`kneeclick analyze FILE... [--json]`: the JSON Lines contract, the table, and clear errors."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from core.analysis.ranking import VERDICTS
from core.data.csvio import write_csv
from core.data.sample import SAMPLE_CSV
from core.analysis.simulate import make_person, simulate_sessions
from tests.helpers import ROOT


def kneeclick(*args):
    return subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _two_legs(path):
    rng = np.random.default_rng(1)
    frame = pd.concat(
        [
            simulate_sessions(make_person(rng, 1), 3, rng, side="right", prefix="R"),
            simulate_sessions(make_person(rng, 0), 3, rng, side="left", prefix="L"),
        ]
    )
    write_csv(frame, path)
    return path


def test_json_lines_one_object_per_file_and_leg_in_input_order(tmp_path):
    both = _two_legs(tmp_path / "both.csv")
    result = kneeclick("analyze", str(both), str(SAMPLE_CSV), "--json")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["file"], o["side"]) for o in objects] == [
        (str(both), "left"), (str(both), "right"), (str(SAMPLE_CSV), "left")
    ]
    for o in objects:
        ranking = o["ranking"]
        assert ranking, "every leg ranks its groups"
        assert "rest_control" not in [r["muscle_group"] for r in ranking]
        for r in ranking:
            assert r["verdict"] in VERDICTS
            assert {"muscle_group", "verdict", "rate_ratio", "ci_low", "ci_high", "p_top", "p_culprit"} <= set(r)
        p_top = [r["p_top"] for r in ranking if r["p_top"] is not None]
        assert p_top == sorted(p_top, reverse=True), "most likely first"
        # one decision: P(top) and p_none share out the whole chance; a group is never surer to be the biggest
        # contributor than to be a culprit at all (up to the draws' noise); `likely` groups come first
        assert sum(p_top) + o["p_none"] == pytest.approx(1.0, abs=1e-3)
        assert all(r["p_top"] <= r["p_culprit"] + 0.02 for r in ranking if r["p_top"] is not None)
        verdicts = [r["verdict"] for r in ranking]
        assert verdicts[: verdicts.count("likely")] == ["likely"] * verdicts.count("likely")
        assert all(r["verdict"] in ("unlikely", "insufficient_data") for r in ranking
                   if r["rate_ratio"] is not None and r["rate_ratio"] >= 1), "a rise is never a candidate"
    sample = objects[2]["ranking"]
    assert {r["muscle_group"] for r in sample} == {"quadriceps", "hamstrings", "calves", "hip_abductors"}
    assert all(r["ci_low"] < r["rate_ratio"] < r["ci_high"] for r in sample)


def test_table_per_file_and_leg(tmp_path):
    both = _two_legs(tmp_path / "both.csv")
    result = kneeclick("analyze", str(both))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"{both}: left knee" in out and f"{both}: right knee" in out
    assert out.index("left knee") < out.index("right knee")
    assert "verdict" in out and "95% CI" in out and "rest_control " not in out


def test_a_bad_file_names_file_line_and_column_and_fails(tmp_path):
    text = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    cells = text[3].split(",")
    cells[5] = "quads"  # muscle_group is the 6th column
    text[3] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = kneeclick("analyze", str(SAMPLE_CSV), str(bad), "--json")
    assert result.returncode != 0
    assert str(bad) in result.stderr and "line 4" in result.stderr and "column 6" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == "", "nothing is printed for the good file before the bad one stops the run"


def test_a_non_number_and_a_missing_file_are_clear_errors(tmp_path):
    text = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    cells = text[2].split(",")
    cells[10] = "lots"  # clicks_after, 11th column
    text[2] = ",".join(cells)
    bad = tmp_path / "words.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = kneeclick("analyze", str(bad))
    assert result.returncode != 0
    assert "line 3" in result.stderr and "column 11" in result.stderr and "Traceback" not in result.stderr
    missing = kneeclick("analyze", str(tmp_path / "nope.csv"))
    assert missing.returncode != 0 and "nope.csv" in missing.stderr and "Traceback" not in missing.stderr


def test_help_lists_analyze():
    assert "analyze" in kneeclick("--help").stdout


def test_no_control_and_no_clicks_are_reported_not_crashed(tmp_path):
    frame = pd.read_csv(SAMPLE_CSV, keep_default_na=False)
    no_control = tmp_path / "no_control.csv"
    frame[frame["muscle_group"] != "rest_control"].to_csv(no_control, index=False)
    silent = tmp_path / "silent.csv"
    frame.assign(clicks_before=0, clicks_after=0).to_csv(silent, index=False)
    result = kneeclick("analyze", str(no_control), str(silent), "--json")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["compared_with"] == "drift" and first["ranking"][0]["rate_ratio"] is not None
    assert {r["verdict"] for r in second["ranking"]} == {"insufficient_data"}
    assert second["sessions_needed"] >= 1
