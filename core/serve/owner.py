"""Who owns the data in hosted mode: a signed-in person's owner id, made from the sign-in provider's claims.

Hosted kneeclick (an ``[auth]`` section in ``.streamlit/secrets.toml``) signs people in through an OpenID
Connect provider (``st.login``); the app then reads the claims of the person's identity token (``st.user``)
and binds the store to :func:`owner_id` of them (``Store.for_owner``).

The owner is the provider's stable subject: its issuer (``iss``, the provider's URL) and the subject it gives
that person (``sub``, never reassigned by the provider), joined by ``|``.  Never the e-mail: an address can
change hands or be changed, and a second provider may vouch for the same address.  The issuer keeps two
providers' subjects apart.  An owner id always contains ``|``, so it can never be the local owner
(``core.data.schema.LOCAL_OWNER``), and neither part may contain ``|`` (an issuer is a URL, which has none),
so two different (issuer, subject) pairs never give the same id.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.data.schema import LOCAL_OWNER, OWNER_MAX_CHARS

SEPARATOR = "|"
#: The longest owner id the store keeps (an OpenID subject has at most 255 characters; issuers are short URLs).
MAX_CHARS = OWNER_MAX_CHARS


class NoOwner(ValueError):
    """The claims do not name a person: the sign-in cannot be used to keep data apart."""


def owner_id(claims: Mapping[str, object]) -> str:
    """The owner id of the person the identity-token ``claims`` describe: ``"<iss>|<sub>"``.

    Raises :class:`NoOwner` (a ValueError) when the issuer or the subject is missing, empty, not text, contains
    ``|``, or the id would be longer than :data:`MAX_CHARS`: the person is then not signed in as far as
    kneeclick is concerned, and sees no data.

    >>> owner_id({"iss": "https://accounts.google.com", "sub": "1084", "email": "a@example.com"})
    'https://accounts.google.com|1084'
    """
    parts = []
    for claim, what in (("iss", "issuer"), ("sub", "subject")):
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            raise NoOwner(f"The sign-in provider did not say who you are (no {what}, '{claim}', in the token).")
        if SEPARATOR in value:
            raise NoOwner(f"The sign-in provider's {what} ('{claim}') contains '{SEPARATOR}', which kneeclick cannot keep apart.")
        parts.append(value)
    owner = SEPARATOR.join(parts)
    if len(owner) > MAX_CHARS:
        raise NoOwner(f"The sign-in provider's issuer and subject are too long ({len(owner)} characters; at most {MAX_CHARS}).")
    assert owner != LOCAL_OWNER  # contains the separator, which the local owner does not
    return owner


def display_name(claims: Mapping[str, object]) -> str:
    """How to name the signed-in person on the page: their name, else their e-mail, else "you".

    Only for showing (as plain text): the owner is :func:`owner_id`, never this.
    """
    for claim in ("name", "email", "preferred_username"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "you"
