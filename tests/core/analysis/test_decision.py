"""The one decision: on simulated people of every kind, advice, summary and verdicts never contradict the ranking."""

from __future__ import annotations

import numpy as np
import pytest

from core.analysis.ranking import (
    CONTROL,
    INSUFFICIENT,
    LIKELY,
    MIN_SESSIONS,
    POSSIBLE,
    VERDICT_WORDS,
    analyze,
    next_steps,
    sentence,
)
from core.analysis.simulate import make_person, simulate_sessions
from core.session.vocabulary import MuscleGroup

ALL_LABELS = [g.label.lower() for g in MuscleGroup if g.value != CONTROL]


def _people(n: int, seed: int):
    """Simulated people of every kind: 0-2 culprits, 1-5 sessions, with or without the control, some conditions
    dropped (a stopped session), strong or weak counts."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        person = make_person(rng, int(rng.integers(0, 3)))
        frame = simulate_sessions(person, int(rng.integers(1, 6)), rng, control=bool(rng.random() < 0.8),
                                  reps=int(rng.choice([5, 10, 20])))
        if rng.random() < 0.3:  # a session stopped early: its last conditions are missing
            last = frame["session_id"].iloc[-1]
            frame = frame[~((frame["session_id"] == last) & (frame["position"] > 2))]
        yield i, frame


def _named(text: str) -> set[str]:
    return {label for label in ALL_LABELS if f"your {label}" in text.lower()}


@pytest.mark.parametrize("seed", [101, 202])
def test_advice_summary_and_verdicts_never_contradict_the_ranking(seed):
    for i, frame in _people(15, seed):
        for leg in analyze(frame, draws=300):
            ranked = [r for r in leg.ranking if r.p_top is not None]
            where = f"person {i} (seed {seed})"
            # ranked by the chance of being the biggest contributor, p_top and p_none add up
            assert [r.p_top for r in ranked] == sorted((r.p_top for r in ranked), reverse=True), where
            if leg.p_none is not None:
                assert sum(r.p_top for r in ranked) + leg.p_none == pytest.approx(1.0, abs=1e-6), where
            for r in leg.ranking:
                # set aside only for "not tried in enough sessions with clicks"
                short = r.sessions < MIN_SESSIONS or leg.n_sessions_used < MIN_SESSIONS or r.rate_ratio is None
                assert (r.verdict == INSUFFICIENT) == short, (where, r)
                # a stretch that raised the clicking is never a candidate
                if r.rate_ratio is not None and r.rate_ratio >= 1:
                    assert r.verdict not in (LIKELY, POSSIBLE), (where, r)
                words = sentence(r, leg.compared_with)
                if r.verdict in (LIKELY, POSSIBLE):
                    assert VERDICT_WORDS[r.verdict] in words, (where, words)
            # `likely` groups come first: none is passed over for a lower-ranked one
            verdicts = [r.verdict for r in leg.ranking]
            n_likely = verdicts.count(LIKELY)
            assert verdicts[:n_likely] == [LIKELY] * n_likely, where
            likely = {r.label.lower() for r in leg.ranking if r.verdict == LIKELY}
            top = leg.ranking[0] if leg.ranking else None
            candidate = top is not None and top.rate_ratio is not None and top.rate_ratio < 1 and top.verdict in (
                LIKELY, POSSIBLE, INSUFFICIENT)
            allowed = likely | ({top.label.lower()} if candidate else set())
            advice = " ".join(next_steps(leg))
            # the summary and the advice name the first-ranked group when it is a candidate, and no other
            # group unless it is `likely`
            assert _named(leg.summary) <= allowed, (where, leg.summary)
            assert _named(advice) <= allowed, (where, advice)
            if candidate:
                assert top.label.lower() in _named(leg.summary) and top.label.lower() in _named(advice), where
            if likely:
                assert "likely cause" in leg.summary.lower(), where
            else:
                assert "likely cause" not in leg.summary.lower(), where


def test_sharpening_the_chances_keeps_the_ranking_and_the_verdicts(monkeypatch):
    """P(top) and p_none are shown sharpened by one power (calibration): the order of the groups, every verdict,
    interval and P(culprit) stay as the raw posterior gives them, the chances still sum to 1, and the first-ranked
    group's chance rises, within what P(culprit) allows."""
    from core.analysis import decision

    rng = np.random.default_rng(7)
    frames = [simulate_sessions(make_person(rng, k), 3, rng, reps=14) for k in (0, 1, 1, 2)]
    for frame in frames:
        monkeypatch.setattr(decision, "P_TOP_POWER", 1.0)
        (raw,) = analyze(frame, draws=500)
        monkeypatch.setattr(decision, "P_TOP_POWER", 2.0)
        (sharp,) = analyze(frame, draws=500)
        assert [r.muscle_group for r in sharp.ranking] == [r.muscle_group for r in raw.ranking]
        assert [(r.verdict, r.ci_low, r.ci_high, r.p_culprit) for r in sharp.ranking] == [
            (r.verdict, r.ci_low, r.ci_high, r.p_culprit) for r in raw.ranking]  # fmt: skip
        chances = [r.p_top for r in sharp.ranking] + [sharp.p_none]
        assert sum(chances) == pytest.approx(1.0)
        raw_chances = [r.p_top for r in raw.ranking] + [raw.p_none]
        best = int(np.argmax(raw_chances))
        assert chances[best] >= raw_chances[best] - 1e-12, "the likeliest answer is said with more confidence"
        # ... but never surer to be the biggest contributor than to be a culprit at all
        assert all(r.p_top <= r.p_culprit + 1e-9 for r in sharp.ranking)
        assert sharp.p_none <= 1 - max(r.p_culprit for r in sharp.ranking) + 1e-9


@pytest.mark.parametrize("culprits", [0, 1])
def test_after_pain_the_advice_sends_to_a_clinician_and_never_says_keep_testing(culprits):
    """Clicking with pain is a reason to see a clinician before more testing: What to do next says so once, first,
    and nothing after it tells the person to run more sessions or keep testing (it did both at once)."""
    rng = np.random.default_rng(5)
    frame = simulate_sessions(make_person(rng, culprits), 2, rng, reps=14)
    (calm,) = analyze(frame, draws=500)
    calm_steps = next_steps(calm)
    frame = frame.copy()
    frame.loc[frame.index[1], "pain_after"] = 1
    (leg,) = analyze(frame, draws=500)
    steps = next_steps(leg)
    assert steps[0].startswith("Pain was reported") and sum("clinician" in s for s in steps[:1]) == 1
    assert not [s for s in steps if s.startswith("Run about") or "Keep testing" in s], steps
    assert any(s.startswith("Run about") or "Keep testing" in s for s in calm_steps), "without pain it does say so"
    if leg.sessions_needed:
        assert any(s.startswith("Once a clinician has seen the knee, about") for s in steps)
