"""Hosted mode's owner id: the sign-in provider's issuer and subject, never the e-mail."""

from __future__ import annotations

import pytest

from core.data.schema import LOCAL_OWNER
from core.serve.owner import MAX_CHARS, NoOwner, display_name, owner_id

GOOGLE = "https://accounts.google.com"


def test_the_owner_is_the_issuer_and_the_subject() -> None:
    assert owner_id({"iss": GOOGLE, "sub": "10769150350006150715113082367", "email": "ada@example.com"}) == (
        "https://accounts.google.com|10769150350006150715113082367"
    )


def test_a_changed_email_or_name_keeps_the_same_owner_and_a_shared_email_does_not_merge_two_people() -> None:
    before = owner_id({"iss": GOOGLE, "sub": "42", "email": "ada@example.com", "name": "Ada"})
    after = owner_id({"iss": GOOGLE, "sub": "42", "email": "ada@new.example.com", "name": "Ada L."})
    assert before == after
    other = owner_id({"iss": GOOGLE, "sub": "43", "email": "ada@example.com"})
    assert other != before


def test_the_same_subject_at_two_providers_is_two_people() -> None:
    assert owner_id({"iss": GOOGLE, "sub": "42"}) != owner_id({"iss": "https://login.example.org", "sub": "42"})


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"email": "ada@example.com"},  # an e-mail alone is never an owner
        {"iss": GOOGLE},
        {"sub": "42"},
        {"iss": GOOGLE, "sub": ""},
        {"iss": " ", "sub": "42"},
        {"iss": GOOGLE, "sub": 42},
        {"iss": GOOGLE, "sub": None},
    ],
)
def test_claims_without_an_issuer_and_a_subject_name_nobody(claims) -> None:
    with pytest.raises(NoOwner, match="did not say who you are"):
        owner_id(claims)


def test_a_separator_inside_a_part_is_refused_so_two_pairs_never_share_an_id() -> None:
    # ("a|b", "c") and ("a", "b|c") would both join to "a|b|c"
    with pytest.raises(NoOwner, match="contains"):
        owner_id({"iss": "a|b", "sub": "c"})
    with pytest.raises(NoOwner, match="contains"):
        owner_id({"iss": "a", "sub": "b|c"})


def test_an_owner_too_long_for_the_store_is_refused() -> None:
    assert len(owner_id({"iss": GOOGLE, "sub": "x" * (MAX_CHARS - len(GOOGLE) - 1)})) == MAX_CHARS
    with pytest.raises(NoOwner, match="too long"):
        owner_id({"iss": GOOGLE, "sub": "x" * (MAX_CHARS - len(GOOGLE))})


def test_no_signed_in_person_is_ever_the_local_owner() -> None:
    assert owner_id({"iss": "local", "sub": "local"}) != LOCAL_OWNER
    assert owner_id({"iss": "l", "sub": "ocal"}) != LOCAL_OWNER


def test_the_name_shown_is_the_name_then_the_email_then_you() -> None:
    assert display_name({"name": "Ada", "email": "ada@example.com", "sub": "42"}) == "Ada"
    assert display_name({"name": " ", "email": "ada@example.com"}) == "ada@example.com"
    assert display_name({"sub": "42"}) == "you"
