import pytest

from core.session.vocabulary import (
    RED_FLAGS,
    ClickFrequency,
    Measurement,
    MuscleGroup,
    SafetyScreen,
    validate_counts,
)
from core.session.protocol import RED_FLAG_QUESTIONS, RED_FLAG_REASONS, STRETCHES, stretch_for


def test_muscle_group_ids_are_the_contract():
    assert [g.value for g in MuscleGroup] == [
        "quadriceps",
        "hamstrings",
        "calves",
        "hip_abductors",
        "hip_flexors",
        "hip_adductors",
        "hip_external_rotators",
        "rest_control",
    ]
    assert MuscleGroup("rest_control").is_control
    assert not MuscleGroup.CALVES.is_control


@pytest.mark.parametrize(
    "reps, clicks, message",
    [
        (-1, 0, "negative"),
        (10, -2, "negative"),
        (0, 3, "zero reps"),
        (10, 101, "more than"),
        (101, 0, "at most"),
        (10.0, 3, "whole number"),
        (True, 3, "whole number"),
    ],
)
def test_impossible_counts_are_refused_with_a_reason(reps, clicks, message):
    with pytest.raises(ValueError, match=message):
        validate_counts(reps, clicks)


def test_plausible_counts_pass():
    validate_counts(10, 0)
    validate_counts(0, 0)
    validate_counts(10, 100)
    assert Measurement(seq=0, reps=10, clicks=4, pain=0).clicks == 4
    with pytest.raises(ValueError, match="pain"):
        Measurement(seq=0, reps=10, clicks=4, pain=11)


def test_any_red_flag_fails_the_safety_screen():
    assert SafetyScreen().passed
    for flag in RED_FLAGS:
        screen = SafetyScreen(**{flag: True})
        assert not screen.passed
        assert screen.red_flags == [flag]
        # every red flag has a question and a plain reason
        assert RED_FLAG_QUESTIONS[flag] and RED_FLAG_REASONS[flag]


def test_safety_screen_round_trips_through_a_dict():
    screen = SafetyScreen(giving_way=True, click_frequency=ClickFrequency.OFTEN)
    assert SafetyScreen.from_dict(screen.to_dict()) == screen
    assert SafetyScreen.from_dict(None) is None


def test_every_group_has_instructions_written_for_the_chosen_leg():
    assert set(STRETCHES) == set(MuscleGroup)
    quad = stretch_for("quadriceps", "right")
    text = " ".join(quad.steps) + quad.cue + quad.mistake
    assert "right knee" in text and "{" not in text
    assert "left hand" in quad.steps[0]
    for group in MuscleGroup:
        if not group.is_control:
            assert STRETCHES[group].strengthen, group
