"""Counts read as words a person would write: never "session(s)"."""

from core.session.words import count


def test_one_is_singular_every_other_count_plural():
    assert [count(n, "session") for n in (0, 1, 2)] == ["0 sessions", "1 session", "2 sessions"]
    assert count(1, "quick check") == "1 quick check" and count(5, "quick check") == "5 quick checks"


def test_an_open_ended_count_is_plural_and_an_irregular_plural_is_kept():
    assert count(12, "more session", more="+") == "12+ more sessions"
    assert count(1, "more session", more="+") == "1+ more sessions"
    assert count(2, "knee", "knees") == "2 knees" and count(3, "person", "people") == "3 people"


def test_ordinals_read_as_words_are_said():
    from core.session.words import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]  # fmt: skip
