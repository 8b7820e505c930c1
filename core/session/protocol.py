"""The words of the protocol: safety questions, stretch instructions, next steps.

Plain data, shared by the app pages, the CLI and the reports, so every screen
says the same thing.  Written for a person standing beside a propped-up phone:
short sentences, one cue, one common mistake.
"""

from __future__ import annotations

import dataclasses

from core.session.vocabulary import ClickFrequency, MuscleGroup, Side

DISCLAIMER = "kneeclick gives information, not medical advice."

#: Question text for each red flag of the safety screen (SafetyScreen field -> question).
RED_FLAG_QUESTIONS: dict[str, str] = {
    "pain_with_clicking": "Does the knee hurt when it clicks, or during the test movement?",
    "swelling_or_warmth": "Is the knee swollen, puffy or warm to the touch?",
    "giving_way": "Does the knee ever give way or feel unstable?",
    "locking_or_catching": "Does the knee lock or catch, so you have to wiggle it free?",
    "began_with_injury": "Did the clicking start with an injury (a fall, a twist, a pop at the moment of injury)?",
    "cannot_fully_bend_or_straighten": "Is there something stopping you from fully straightening or bending the knee?",
    "redness_or_fever": "Is the knee red, or do you have a fever?",
}

#: Why each red flag matters, said plainly when it blocks the protocol.
RED_FLAG_REASONS: dict[str, str] = {
    "pain_with_clicking": "Clicking with pain can come from cartilage or meniscus problems that stretching will not fix.",
    "swelling_or_warmth": "Swelling or warmth means something inside the joint is irritated.",
    "giving_way": "Giving way can mean a ligament or the kneecap is not holding the joint steady.",
    "locking_or_catching": "Locking or catching can mean a torn meniscus or a loose fragment in the joint.",
    "began_with_injury": "Noise that began with an injury needs the injury checked first.",
    "cannot_fully_bend_or_straighten": "A block to movement can mean something is caught in the joint.",
    "redness_or_fever": "Redness or fever can mean an infection, which needs care the same day.",
}

CLICK_FREQUENCY_LABELS: dict[ClickFrequency, str] = {
    ClickFrequency.NEVER: "Never",
    ClickFrequency.RARELY: "Rarely",
    ClickFrequency.SOMETIMES: "Sometimes",
    ClickFrequency.OFTEN: "Often",
    ClickFrequency.ALWAYS: "Always",
}

RARE_CLICKS_NOTE = (
    "An occasional pop is usually gas bubbles in the joint fluid collapsing (cavitation). It is harmless "
    "and needs about 20 minutes to build up again, so a knee that clicks only now and then may give this "
    "test nothing to count."
)

WHY_CONTROL_AND_RANDOM = (
    "Repeating the test movement changes the clicking by itself, so a rest of the same length in a random "
    "place in the order shows how much change to expect from no stretch at all."
)


@dataclasses.dataclass(frozen=True)
class Stretch:
    name: str
    steps: tuple[str, ...]  # use {leg} for the chosen leg, {other} for the other one
    cue: str
    mistake: str
    strengthen: str  # one strengthening exercise for the group

    def for_side(self, side: Side | str) -> "Stretch":
        leg = Side(side).value
        other = "left" if leg == "right" else "right"
        fill = lambda text: text.format(leg=leg, other=other)  # noqa: E731
        return dataclasses.replace(
            self,
            steps=tuple(fill(s) for s in self.steps),
            cue=fill(self.cue),
            mistake=fill(self.mistake),
        )


STRETCHES: dict[MuscleGroup, Stretch] = {
    MuscleGroup.QUADRICEPS: Stretch(
        name="Standing quad stretch",
        steps=(
            "Stand tall with your {other} hand on a wall or chair back.",
            "Bend your {leg} knee and hold that ankle behind you, heel toward your buttock.",
            "Keep both knees side by side and push your {leg} hip gently forward.",
        ),
        cue="You should feel a pull along the front of the {leg} thigh.",
        mistake="Letting the {leg} knee drift out to the side or arching the low back. If kneeling or bending hurts, lie on your {other} side instead.",
        strengthen="Wall sits or slow step-downs from a low step.",
    ),
    MuscleGroup.HAMSTRINGS: Stretch(
        name="Seated hamstring stretch",
        steps=(
            "Sit on the front edge of a chair.",
            "Straighten your {leg} leg out in front, heel on the floor, toes pointing up.",
            "Keep your back straight and lean forward from the hips until the back of the thigh pulls.",
        ),
        cue="The stretch is behind the {leg} thigh, not in the low back.",
        mistake="Rounding the back to reach further. Tingling down the leg means stop.",
        strengthen="Bridges with the heels on the floor, or slow hamstring curls.",
    ),
    MuscleGroup.CALVES: Stretch(
        name="Wall calf stretch",
        steps=(
            "Face a wall with both hands on it, {leg} foot a big step back.",
            "Keep the {leg} heel down and the knee straight; lean your hips toward the wall.",
            "For the second half of the time, bend the {leg} knee a little, heel still down.",
        ),
        cue="The pull is in the {leg} calf: high with a straight knee, low with a bent one.",
        mistake="Letting the heel lift or the back foot turn out.",
        strengthen="Slow calf raises on a step, lowering below the step's edge.",
    ),
    MuscleGroup.HIP_ABDUCTORS: Stretch(
        name="Standing outer-hip stretch",
        steps=(
            "Stand side-on to a wall, {other} side nearest it, one hand on it.",
            "Cross your {leg} leg behind the {other} one.",
            "Push the {leg} hip out, away from the wall, until the outside of the hip and thigh stretches.",
        ),
        cue="The stretch is along the outside of the {leg} hip.",
        mistake="Twisting the trunk or bending forward instead of shifting the hips sideways.",
        strengthen="Side-lying leg raises or banded side steps.",
    ),
    MuscleGroup.HIP_FLEXORS: Stretch(
        name="Half-kneeling hip flexor stretch",
        steps=(
            "Kneel on your {leg} knee on a cushion, {other} foot flat in front.",
            "Squeeze the {leg} buttock and tuck the pelvis under.",
            "Shift your weight forward a little, trunk upright.",
        ),
        cue="The pull is at the front of the {leg} hip.",
        mistake="Arching the low back to go further.",
        strengthen="Standing knee lifts held for a count of three.",
    ),
    MuscleGroup.HIP_ADDUCTORS: Stretch(
        name="Seated butterfly stretch",
        steps=(
            "Sit on the floor, soles of the feet together, knees out to the sides.",
            "Hold your ankles and lean forward from the hips with a long back.",
        ),
        cue="The stretch is along the inner thighs.",
        mistake="Rounding the back. If the knees complain, slide the feet further away.",
        strengthen="Side-lying inner-thigh lifts, or squeezing a pillow between the knees.",
    ),
    MuscleGroup.HIP_EXTERNAL_ROTATORS: Stretch(
        name="Lying figure-four stretch",
        steps=(
            "Lie on your back, both knees bent.",
            "Cross your {leg} ankle over your {other} knee.",
            "Pull the {other} thigh toward your chest until the {leg} buttock stretches.",
        ),
        cue="The stretch is deep in the {leg} buttock.",
        mistake="Lifting the head and shoulders. After a hip replacement, skip this one unless your surgeon agrees.",
        strengthen="Clamshells lying on your side.",
    ),
    MuscleGroup.REST_CONTROL: Stretch(
        name="Rest (the control)",
        steps=(
            "Sit or stand still for the whole time. Do not stretch.",
        ),
        cue="This measures how much the clicking changes with no stretch at all.",
        mistake="Stretching or walking around while you wait.",
        strengthen="",
    ),
}


def stretch_for(group: MuscleGroup | str, side: Side | str) -> Stretch:
    """The instructions for one group, written for the chosen leg."""
    return STRETCHES[MuscleGroup(group)].for_side(side)
