"""What the Session page proposes from a recording of one test: a count to confirm, or why there is none.

:func:`propose_from_recording` takes the WAV bytes of one test's recording (what kneeclick's recorder
component, ``ui/recorder/``, hands over on Stop) and the planned reps, and gives a :class:`Proposal`: the
count to put in the (still editable) count box, a tone for how to show it, one headline, and the reasons
to doubt it in plain words. It never raises for a bad recording: a file that cannot be read becomes a
proposal without a count, saying why, so the person falls back to tapping or typing. (``kneeclick
count-clicks`` reads a WAV file with the detector directly.)

The rules:

- quality ``ok``: propose the count (``tone="ok"``), except 0 clicks, which is proposed with a doubt
  (``"check"``, :data:`NONE_FOUND`): a recording without clicks may mean the knee did not click, or the
  phone was too far away, and a baseline of 0 ends the session;
- quality ``check``: propose the count with the detector's reasons (``"check"``);
- quality ``unusable`` (silent), an unreadable file (:class:`core.audio.detector.AudioError`), or more clicks than
  the reps can hold (over ``MAX_CLICKS_PER_REP`` a rep, which saving would refuse): no count
  (``tone="none"``), with the reasons.

Plain Python; no Streamlit.
"""

from __future__ import annotations

import dataclasses

from core.audio.detector import RECORDING_ADVICE, AudioError, Detection, detect_clicks
from core.session.vocabulary import MAX_CLICKS_PER_REP
from core.session.words import count

__all__ = ["Proposal", "propose", "propose_from_recording", "RECORDING_ADVICE", "FALLBACK", "NONE_FOUND"]

#: What to do when a recording gives no count.
FALLBACK = "Record the test again, or count it by tapping (or type the count)."
NONE_FOUND = (
    "No clicks were found. If you heard some, the phone may have been too far from the knee: record again "
    "with it a hand's width away, or count by tapping."
)


@dataclasses.dataclass(frozen=True, eq=False)
class Proposal:
    """A proposed count (None: no count, fall back to tapping or typing) and how far to trust it.

    ``tone``: ``"ok"`` (nothing casts doubt), ``"check"`` (propose, with ``reasons`` to doubt it) or
    ``"none"`` (no count; ``reasons`` say why). ``notes``: neutral facts (clicks left out at the edges).
    ``detection`` is the detector's result when the file could be read (for the picture).
    """

    count: int | None
    tone: str
    headline: str
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    detection: Detection | None = None


def propose(detection: Detection, reps: int) -> Proposal:
    """The proposal for a detection of a test of ``reps`` planned reps."""
    q = detection.quality
    n = detection.count
    notes: tuple[str, ...] = ()
    if detection.ignored_at_edges:
        k = detection.ignored_at_edges
        notes = (
            f"{count(k, 'click')} in the first or last 0.3 s {'was' if k == 1 else 'were'} left out: that is where "
            "the tap that starts and stops the recording lands.",
        )
    if q.verdict == "unusable":
        return Proposal(None, "none", "No count from this recording.", (*q.messages, FALLBACK), notes, detection)
    limit = max(reps, 1) * MAX_CLICKS_PER_REP
    if n > limit:
        why = (
            f"It found {n} click-like sounds, more than {MAX_CLICKS_PER_REP} a rep in {count(reps, 'rep')}: that is "
            "noise, not a knee. A quieter room helps."
        )
        return Proposal(None, "none", "No count from this recording.", (why, *q.messages, FALLBACK), notes, detection)
    # "No clicks were found" would contradict a lone click left out (its own reason says what it was, and when)
    none_found = () if n or "lone_click" in q.codes else (NONE_FOUND,)
    if q.verdict == "check":
        return Proposal(n, "check", f"Proposed: {count(n, 'click')}. {q.summary}", (*none_found, *q.messages), notes, detection)
    if n == 0:
        return Proposal(0, "check", "Proposed: 0 clicks. Check the count before you accept it.", none_found, notes, detection)
    return Proposal(n, "ok", f"Proposed: {count(n, 'click')}. {q.summary}", (), notes, detection)


def propose_from_recording(data: bytes, reps: int) -> Proposal:
    """:func:`propose` on WAV bytes; an unreadable recording gives a proposal without a count, saying why."""
    try:
        detection = detect_clicks(data)
    except AudioError as e:
        return Proposal(None, "none", "This recording cannot be used.", (_sentence(str(e)), FALLBACK))
    return propose(detection, reps)


def _sentence(message: str) -> str:
    """An AudioError's one-line message ("not a WAV file (...)") as a sentence."""
    message = message.strip() or "the recording could not be read"
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
