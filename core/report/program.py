"""Which group a program can be started for, from a leg's ranking, and how plainly to warn about the evidence.

Reads the one decision behind Results (``core.analysis.decision`` through the ranking's verdicts): a ``likely``
group is offered first and as is; any other stretched group can be picked, with a sentence that says how much
weaker the evidence for it is.  A group whose stretch raised the clicking is still allowed (the person decides),
with the plainest warning.
"""

from __future__ import annotations

import dataclasses

from core.analysis.ranking import INSUFFICIENT, LIKELY, POSSIBLE, UNLIKELY, LegResult

#: What the Results page says under the choice, per verdict of the group chosen.
EVIDENCE_NOTES = {
    LIKELY: "The evidence points to this group: its stretch cut the clicking clearly more than resting did.",
    POSSIBLE: "The evidence for this group is weaker: it may be part of the cause, but that is not clear yet. "
              "More sessions first would make the choice surer.",
    INSUFFICIENT: "This group was not tried in enough sessions to tell: a program for it is a guess, not a "
                  "finding.",
    UNLIKELY: "The sessions so far say this group is probably not the cause: a program for it is unlikely to "
              "change the clicking.",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Offer:
    """A group a program can be started for, with its verdict and the sentence about the evidence."""

    muscle_group: str
    label: str
    verdict: str
    note: str

    @property
    def recommended(self) -> bool:
        return self.verdict == LIKELY


def offers(leg: LegResult) -> list[Offer]:
    """Every ranked group of the leg, in ranking order (``likely`` ones first, as the ranking puts them)."""
    out = []
    for r in leg.ranking:
        note = EVIDENCE_NOTES.get(r.verdict, EVIDENCE_NOTES[POSSIBLE])
        if r.verdict == UNLIKELY and r.rate_ratio is not None and r.rate_ratio >= 1:
            note = "The clicking went up, not down, after this stretch: a program for it is unlikely to help."
        out.append(Offer(r.muscle_group, r.label, r.verdict, note))
    return out
