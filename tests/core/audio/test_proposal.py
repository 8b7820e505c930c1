"""What the Session page proposes from a recording (core.audio.proposal), on synthetic recordings.

The rules a person relies on: a clean recording's count is proposed as it is; a doubtful one is proposed
with the reasons; a silent, unreadable or impossible one gives no count, says why, and points to tapping.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.audio.detector import MESSAGES
from core.audio.proposal import FALLBACK, NONE_FOUND, propose, propose_from_recording
from core.audio.synth import synth_recording, wav_bytes

CLEAN = dict(duration_s=8.0, noise_dbfs=-60.0, hum_dbfs=None, click_dbfs=-18.0)
TIMES = (1.0, 1.9, 2.7, 3.8, 4.6, 5.5, 6.7)


@pytest.mark.parametrize("sample_rate", (16000, 48000))
def test_a_clean_recording_proposes_its_count_without_doubt(sample_rate):
    r = synth_recording(1, sample_rate=sample_rate, click_times_s=TIMES, **CLEAN)
    p = propose_from_recording(r.wav_bytes(), reps=10)
    assert (p.count, p.tone, p.reasons) == (7, "ok", ())
    assert p.headline.startswith("Proposed: 7 clicks.")
    assert p.detection is not None and p.detection.count == 7


def test_one_click_is_said_in_the_singular():
    r = synth_recording(1, click_times_s=(3.0,), **CLEAN)
    assert propose_from_recording(r.wav_bytes(), reps=10).headline.startswith("Proposed: 1 click.")


def test_talking_during_the_reps_proposes_the_count_with_the_reason():
    r = synth_recording(2, duration_s=10.0, n_clicks=6, speech_dbfs=-28.0, speech_fraction=0.8)
    p = propose_from_recording(r.wav_bytes(), reps=10)
    assert p.tone == "check" and p.count is not None
    assert MESSAGES["speech"] in p.reasons
    assert p.headline.startswith(f"Proposed: {p.count} click") and "Check the count" in p.headline


def test_a_recording_without_clicks_proposes_zero_but_asks_to_check():
    r = synth_recording(3, duration_s=8.0, n_clicks=0, n_thumps=4, noise_dbfs=-45.0)  # only foot thumps
    p = propose_from_recording(r.wav_bytes(), reps=10)
    assert (p.count, p.tone, p.reasons) == (0, "check", (NONE_FOUND,))


def test_a_quiet_recording_without_clicks_says_both():
    r = synth_recording(3, n_clicks=0, **CLEAN)
    p = propose_from_recording(r.wav_bytes(), reps=10)
    assert (p.count, p.tone) == (0, "check")
    assert p.reasons == (NONE_FOUND, MESSAGES["too_quiet"])


def test_a_silent_recording_gives_no_count_and_says_why():
    p = propose_from_recording(wav_bytes(np.zeros(16000 * 5), 16000), reps=10)
    assert (p.count, p.tone) == (None, "none")
    assert p.reasons == (MESSAGES["silent"], FALLBACK)
    assert p.detection is not None, "the picture of a silent recording can still be shown"


@pytest.mark.parametrize(
    "data, said",
    [
        (b"", "The file is empty (0 bytes), not a WAV recording."),
        (b"ID3\x03\x00 an mp3 file", "Not a WAV file (it does not start with a RIFF/WAVE header)."),
        (wav_bytes(np.zeros(0), 16000), "The recording is empty: the WAV file holds no audio."),
        (b"RIFF\x24\x00\x00\x00WAVEfmt garbage", None),
    ],
)
def test_an_unreadable_recording_gives_no_count_and_a_sentence_for_the_person(data, said):
    p = propose_from_recording(data, reps=10)
    assert (p.count, p.tone, p.detection) == (None, "none", None)
    assert p.headline == "This recording cannot be used."
    assert p.reasons[-1] == FALLBACK
    first = p.reasons[0]
    assert first[0].isupper() and first.endswith(".")
    if said is not None:
        assert first == said


def test_more_clicks_than_the_reps_can_hold_gives_no_count():
    times = tuple(0.5 + 0.25 * i for i in range(25))
    r = synth_recording(4, duration_s=7.0, click_times_s=times, noise_dbfs=-60.0, hum_dbfs=None)
    d_count = propose_from_recording(r.wav_bytes(), reps=10).count
    assert d_count is not None and d_count >= 21, "with 10 reps the count is proposed"
    p = propose_from_recording(r.wav_bytes(), reps=2)
    assert (p.count, p.tone) == (None, "none")
    assert "more than 10 a rep in 2 reps" in p.reasons[0]


def test_clicks_left_out_at_the_edges_are_noted():
    r = synth_recording(5, click_times_s=(0.1, 2.0, 4.0), **CLEAN)
    p = propose_from_recording(r.wav_bytes(), reps=10)
    assert p.count == 2
    assert p.notes and p.notes[0].startswith("1 click in the first or last 0.3 s was left out")


def test_propose_takes_a_detection_directly():
    from core.audio.detector import detect_clicks

    r = synth_recording(6, click_times_s=TIMES[:3], **CLEAN)
    assert propose(detect_clicks(r.wav_bytes()), reps=10).count == 3


def test_a_lone_click_left_out_is_said_instead_of_no_clicks_found():
    """A recording counted 0 because its one click-like sound was not sure enough says that, with the time to
    listen at, and not "No clicks were found" beside it."""
    import dataclasses

    from core.audio.detector import Issue, detect_clicks

    d = detect_clicks(synth_recording(3, n_clicks=0, **CLEAN).wav_bytes())
    lone = Issue("lone_click", MESSAGES["lone_click"].format(what="A sound that may be a click was", at="3.2",
                                                              it="it", they="it was"))  # fmt: skip
    d = dataclasses.replace(d, quality=dataclasses.replace(d.quality, verdict="check", issues=(lone,)))
    p = propose(d, reps=10)
    assert (p.count, p.tone) == (0, "check")
    assert p.reasons == (lone.message,) and "3.2 s" in p.reasons[0]
    assert NONE_FOUND not in p.reasons
