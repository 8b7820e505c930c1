"""The Altair charts: each one is valid Vega-Lite, shows the numbers of the analysis and the control line."""

import math

import numpy as np
import pandas as pd
import pytest

from core.report import charts
from core.analysis.ranking import analyze
from core.data.csvio import read_csv
from core.data.sample import SAMPLE_CSV


@pytest.fixture(scope="module")
def sample():
    frame = read_csv(SAMPLE_CSV)
    (leg,) = analyze(frame)
    return frame, leg


def _datasets(spec: dict) -> list[list[dict]]:
    return list(spec.get("datasets", {}).values())


def test_ranking_chart_has_every_group_with_its_interval_and_the_line_at_one(sample):
    _, leg = sample
    spec = charts.ranking_chart(leg).to_dict()
    rows = [r for d in _datasets(spec) for r in d if "rate_ratio" in r and "group" in r]
    by_group = {r["group"]: r for r in rows}
    assert set(by_group) == {r.label for r in leg.ranking}
    for r in leg.ranking:
        assert by_group[r.label]["ci_low"] == pytest.approx(r.ci_low)
        assert by_group[r.label]["ci_high"] == pytest.approx(r.ci_high)
    lines = [r for d in _datasets(spec) for r in d if "what" in r]
    assert lines and lines[0]["rate_ratio"] == 1.0 and "resting" in lines[0]["what"]
    # groups are drawn in ranking order, the most likely on top
    y_sorts = [layer["encoding"]["y"].get("sort") for layer in spec["layer"] if "y" in layer.get("encoding", {})]
    assert [r.label for r in leg.ranking] in y_sorts
    assert spec["layer"][-1]["encoding"]["x"]["scale"]["type"] == "log"


def test_p_top_chart_adds_the_chance_that_nothing_beats_resting(sample):
    _, leg = sample
    data = _datasets(charts.p_top_chart(leg).to_dict())[0]
    assert sum(r["p"] for r in data) == pytest.approx(1.0)
    assert data[-1]["group"] == "none beats resting"


def test_before_after_chart_has_every_condition_twice(sample):
    frame, _ = sample
    spec = charts.before_after_chart(frame).to_dict()
    data = _datasets(spec)[0]
    assert len(data) == 2 * len(frame)
    first = frame.iloc[0]
    pair = [r for r in data if r["position"] == first["position"] and first["session_id"] in r["session"]]
    assert {r["when"]: r["clicks"] for r in pair} == {"before": first["clicks_before"], "after": first["clicks_after"]}
    assert "facet" in spec


def test_rate_over_time_has_one_baseline_per_session(sample):
    frame, _ = sample
    data = charts.rate_over_time_frame(frame)
    assert (data["group"] == "Baseline").sum() == frame["session_id"].nunique()
    assert len(data) == len(frame) + frame["session_id"].nunique()
    charts.rate_over_time_chart(frame).to_dict()  # valid spec


def test_charts_cope_with_a_leg_without_estimates():
    frame = read_csv(SAMPLE_CSV).head(3)
    frame[["clicks_before", "clicks_after"]] = 0
    (leg,) = analyze(frame)
    assert all(r.rate_ratio is None for r in leg.ranking)
    for chart in (charts.ranking_chart(leg), charts.p_top_chart(leg), charts.before_after_chart(frame),
                  charts.rate_over_time_chart(frame)):
        chart.to_dict()
