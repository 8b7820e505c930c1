"""The picture of a recording: the level over time with each detected click marked."""

from __future__ import annotations

import altair as alt

from core.audio.detector import detect_clicks
from core.audio.picture import clicks_frame, envelope_frame, recording_chart
from core.audio.synth import synth_recording


def layer_data(chart: alt.LayerChart) -> dict[str, list]:
    spec = chart.to_dict()
    datasets = spec["datasets"]
    return {layer["mark"]["type"]: datasets[layer.get("data", spec.get("data"))["name"]] for layer in spec["layer"]}


def test_the_chart_marks_every_detected_click_at_its_time():
    r = synth_recording(1, duration_s=12.0, n_clicks=7, n_thumps=3)
    d = detect_clicks(r.wav_bytes())
    chart = recording_chart(d)
    data = layer_data(chart)
    assert [row["time_s"] for row in data["rule"]] == [round(t, 3) for t in d.times_s]
    assert [row["click"] for row in data["text"]] == list(range(1, d.count + 1))
    assert chart.to_dict()["title"] == f"{d.count} clicks found in 12.0 s"


def test_the_envelope_is_downsampled_and_spans_the_recording():
    r = synth_recording(2, sample_rate=48000, duration_s=60.0, n_clicks=20)
    d = detect_clicks(r.wav_bytes())
    env = envelope_frame(d)
    assert 1000 <= len(env) <= 3000
    assert env["time_s"].iloc[0] == 0 and env["time_s"].iloc[-1] > 59.5
    assert (env["threshold_dbfs"] > env["level_dbfs"].min()).all()
    # Max-pooling keeps each click's peak visible in the picture.
    for c in d.clicks:
        near = env[(env["time_s"] - c.time_s).abs() < 0.05]
        assert near["level_dbfs"].max() >= round(c.level_dbfs, 1) - 0.1


def test_a_recording_without_clicks_has_no_click_marks():
    d = detect_clicks(synth_recording(3, duration_s=5.0, n_clicks=0).wav_bytes())
    assert len(clicks_frame(d)) == 0
    assert set(layer_data(recording_chart(d))) == {"area", "line"}
    assert recording_chart(d).to_dict()["title"] == "0 clicks found in 5.0 s"
