"""Hosted mode in the app: sign-in, who is signed in, sign-out, and deleting all of one's data.

Two modes, one code path.  Without an ``[auth]`` section in ``.streamlit/secrets.toml`` (local mode) kneeclick
is one person's: no sign-in, and the store is bound to the local owner.  With ``[auth]`` (hosted mode) a
visitor must sign in through the OpenID Connect provider configured there (``st.login``) before any page
hands out a store: :func:`owner` stops the page at the sign-in screen, and ``ui.frame.user_store`` binds the
store to the signed-in person (``Store.for_owner``), so every page sees, writes, exports, imports, resumes and
deletes only that person's data.  The About page needs no store and stays open to anyone: it says what
kneeclick is before a visitor decides to sign in.

The owner is the provider's issuer and subject (``core.serve.owner``), never the e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from core.data.store import Store
from core.serve.owner import NoOwner, display_name, owner_id
from ui.text import alert, plain

_CONFIRM = "kneeclick-confirm-delete-all"
_PROVIDER_NAME = re.compile(r"[A-Za-z0-9-]{1,40}")  # Streamlit's provider names: no underscores


def hosted() -> bool:
    """Whether the app runs for many people: Streamlit's secrets have an ``[auth]`` section.

    A secrets file that exists but cannot be read stops the page with a message: falling back to local mode
    would put every visitor into one shared store.
    """
    if st.secrets.load_if_toml_exists():
        return "auth" in st.secrets
    present = [p for p in st.get_option("secrets.files") if Path(p).exists()]
    if present:
        alert("error", "kneeclick cannot read its secrets file, so it cannot tell who is signed in. "
              "Nothing is shown until it is fixed (see the server's log).", ", ".join(present))  # fmt: skip
        st.stop()
    return False


def owner() -> str | None:
    """The signed-in person's owner id (hosted mode), None in local mode.

    Hosted mode with nobody signed in (or a sign-in that does not name a person): shows the sign-in screen
    and stops the page, so no store is ever handed out without its owner.
    """
    if not hosted():
        return None
    if not st.user.is_logged_in:
        _sign_in_screen()
        st.stop()
    try:
        return owner_id(st.user.to_dict())
    except NoOwner as e:
        alert("error", "This sign-in cannot be used to keep your data apart, so nothing is shown. Sign out in "
              "the menu and sign in with another account.", str(e))  # fmt: skip
        st.stop()


def _providers() -> list[str | None]:
    """The providers to offer: None for the one in ``[auth]`` itself, else each ``[auth.<name>]``."""
    auth = st.secrets["auth"]
    named = [k for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v and _PROVIDER_NAME.fullmatch(k)]
    return [None] if "client_id" in auth or not named else named


def _sign_in_screen() -> None:
    st.title("Sign in to kneeclick")
    st.write(
        "kneeclick keeps your sessions for you alone: sign in, and nobody else who uses this site sees them. "
        "Signing in only tells kneeclick which sessions are yours; it never asks for a password of its own."
    )
    with st.container(horizontal=True):
        for provider in _providers():
            label = "Sign in" if provider is None else f"Sign in with {provider.capitalize()}"
            if st.button(label, type="primary", icon=":material/login:", key=f"sign-in-{provider or 'default'}"):
                st.login(*([provider] if provider else []))
    st.page_link("pages/about.py", label="What kneeclick is and how it decides", icon=":material/info:")


_MENU_CSS = """
<style>
/* On a phone the menu stays one line with the account button at its end: the button shows only its icon. */
@media (max-width: 640px) {
  .st-key-nav [data-testid="stPageLink"] a { padding-left: 0.3rem; padding-right: 0.3rem; }
  .st-key-account [data-testid="stPopoverButton"] { padding-left: 0.35rem; padding-right: 0.35rem; min-width: 0; }
  .st-key-account [data-testid="stPopoverButton"] div[aria-hidden="true"] { display: none; }
}
</style>
"""


def account_menu() -> None:
    """In the menu, hosted mode and signed in: who is signed in, and Sign out (nothing in local mode)."""
    if not hosted() or not st.user.is_logged_in:
        return
    st.html(_MENU_CSS)
    with st.container(key="account", width="content"):
        with st.popover("", icon=":material/account_circle:", help="Who is signed in; sign out"):
            st.caption("Signed in as")
            plain(display_name(st.user.to_dict()))  # the provider's name or e-mail: plain text
            _sign_out_button("sign-out")


def _sign_out_button(key: str) -> None:
    if st.button("Sign out", icon=":material/logout:", key=key):
        st.logout()
        st.stop()


# ----------------------------------------------------------------------------------- delete all my data
def _totals(store: Store) -> tuple[int, int, int]:
    """This owner's number of sessions, of tests (baselines and retests) and of stretching programs, to name
    what a deletion takes."""
    totals = store.owner_totals()
    return totals["sessions"], totals["tests"], totals["programs"]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def delete_all(store: Store, flash_key: str) -> None:
    """"Delete all my data": a confirmation naming what goes, then every one of this owner's sessions is
    deleted for real; hosted mode then signs out, local mode says what went (``st.session_state[flash_key]``).
    """
    signed_in = hosted()
    if st.button("Delete all my data", icon=":material/delete_forever:", key="delete-all"):
        st.session_state[_CONFIRM] = True
    if not st.session_state.get(_CONFIRM):
        return
    sessions, tests, programs = _totals(store)
    also = f" and {_count(programs, 'stretching program')}" if programs else ""
    alert(
        "warning",
        f"Delete all your data: {_count(sessions, 'session')} with {_count(tests, 'test')}{also}? This cannot be "
        "undone: download it first if you may want it again." + (" You will be signed out." if signed_in else ""),
    )
    with st.container(horizontal=True):
        if st.button("Yes, delete all my data", type="primary", key="delete-all-yes"):
            gone = store.delete_owner_data()
            st.session_state.pop(_CONFIRM, None)
            if signed_in:
                st.logout()
                st.stop()
            also = f" and {_count(gone['programs'], 'stretching program')}" if gone.get("programs") else ""
            st.session_state[flash_key] = (
                f"Deleted all your data: {_count(gone['sessions'], 'session')} with {_count(gone['tests'], 'test')}{also}.",
                None,
            )
            st.query_params.pop("open", None)
            st.rerun()
        if st.button("Cancel", key="delete-all-no"):
            st.session_state.pop(_CONFIRM, None)
            st.rerun()
