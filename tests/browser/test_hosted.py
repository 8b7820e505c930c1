"""Hosted mode in a real browser, against a real OpenID Connect provider: two people, one store, no mixing.

The test starts ``oidc-provider-mock`` (a local OpenID Connect provider: its sign-in form takes any subject) on
a free port, writes a ``secrets.toml`` with an ``[auth]`` section pointing at it, and starts the app with that
file as its only secrets (Streamlit's ``secrets.files`` option, through ``STREAMLIT_SECRETS_FILES``).  Two
people sign in, in two browser contexts, on one store (SQLite, then PostgreSQL) named in the secrets as on
Streamlit Community Cloud; each records a test, and neither sees, opens by URL, exports, resumes or deletes the
other's session.  Signing out (and deleting all one's data, which signs out) returns to the sign-in page.
"""

from __future__ import annotations

import secrets
import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.data.csvio import import_csv
from core.data.sample import SAMPLE_CSV
from core.data.schema import measurements_table
from core.data.store import Store
from core.serve.owner import owner_id
from tests.helpers import PHONE, answer_safety, free_port, save_test, settled, shot, sid_of, start_server, tap

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient_expect")]

SIGN_IN = "Sign in to kneeclick"
NOT_FOUND = "This link names a session that is not in your store"
NO_SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def provider(monkeypatch):
    """A local OpenID Connect provider on a free port, in this process; yields its issuer URL."""
    import oidc_provider_mock
    import werkzeug.serving

    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on localhost, for the test only
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def hosted_server(provider, new_db_url, tmp_path):
    """The app in hosted mode on an empty store (SQLite, then PostgreSQL); yields (server, issuer, store URL).

    The store's URL is given as Streamlit Community Cloud gives it, as ``KNEECLICK_DB_URL`` at the top of the
    secrets; the environment's ``KNEECLICK_DB_URL`` names another (empty) store, which the app must not use.
    """
    port, db_url = free_port(), new_db_url()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(
        f'KNEECLICK_DB_URL = "{db_url}"\n'
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "kneeclick-test"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = {"STREAMLIT_SECRETS_FILES": str(secrets_file), "AUTHLIB_INSECURE_TRANSPORT": "1"}
    server = start_server(f"sqlite:///{tmp_path / 'not-this-one.sqlite3'}", tmp_path / "hosted.log", env=env, port=port)
    yield server, provider, db_url
    server.stop()


def _seed(store: Store, prefix: str) -> None:
    """One finished session, made before the browser comes (its id starts with ``prefix``)."""
    lines = SAMPLE_CSV.read_text().splitlines()
    rows = [lines[0]] + [line.replace("example-01", f"{prefix}-01") for line in lines if line.startswith("example-01,")]
    import_csv(store, ("\n".join(rows) + "\n").encode())


def _tests_of(store: Store) -> int:
    """How many tests (baselines and retests) the store's owner has, counted in SQL."""
    with store.engine.connect() as conn:
        m = measurements_table
        return conn.execute(sa.select(sa.func.count()).select_from(m).where(m.c.owner == store.owner)).scalar_one()


def _sign_in(page, url: str, subject: str) -> None:
    page.goto(f"{url}/history")
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible(timeout=60_000)  # a fresh server's first page
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(subject)  # the provider's own sign-in form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/session*")  # back in the app, on its first page
    settled(page)


def _record_a_test(page) -> str:
    """Through the Session page: safety, setup, and the baseline test saved.  Returns the session id."""
    answer_safety(page, "Left", "Often")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Set up today's test")).to_be_visible()
    sid = sid_of(page)
    page.get_by_role("button", name="Plan the session").click()
    expect(page.get_by_text("Step 3 of")).to_be_visible()
    settled(page)
    tap(page, 3, 0.05)
    expect(page.locator(f".st-key-{sid}-test-b-clicks input")).to_have_value("3")  # the taps reached the server
    save_test(page, sid, "b", 0)
    expect(page.get_by_text("Step 4 of")).to_be_visible()
    settled(page)
    return sid


def _listed(page, url: str, query: str = "") -> list[str]:
    """The sessions History (at ``/history?<query>``) offers to open; their labels name their ids."""
    page.goto(f"{url}/history?{query}")
    settled(page)
    page.locator(".st-key-open input").click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    labels = options.all_inner_texts()
    page.keyboard.press("Escape")
    return labels


def _not_found_page(page, url: str, sid: str) -> list[str]:
    """What the Session page says for the link ``/session?session=<sid>``: its headings, messages and buttons."""
    page.goto(f"{url}/session?session={sid}")
    settled(page)
    expect(page.get_by_text(NOT_FOUND)).to_be_visible()
    expect(page.get_by_role("button", name="Start a new session")).to_be_visible()  # the page's last element
    said = page.locator('h1, [data-testid="stAlert"], [data-testid="stMainBlockContainer"] [data-testid="stButton"]')
    return said.all_inner_texts()


def _back_at_sign_in(page, url: str) -> None:
    """After st.logout: the provider's end-of-session page (confirm), then the app's sign-in page."""
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{url}/**")
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    settled(page)


def test_two_people_on_one_store_never_see_each_others_data(hosted_server, new_page):
    server, issuer, db_url = hosted_server
    url = server.url
    store = Store.open(db_url)
    ada, bea = store.for_owner(owner_id({"iss": issuer, "sub": "ada"})), store.for_owner(owner_id({"iss": issuer, "sub": "bea"}))
    _seed(ada, "ada")
    _seed(bea, "bea")

    a = new_page(viewport=PHONE, accept_downloads=True)
    b = new_page()
    _sign_in(a, url, "ada")
    wide, screen = a.evaluate(NO_SIDEWAYS)
    assert wide <= screen, f"the menu with the account button scrolls sideways on a phone ({wide} > {screen})"
    account = a.locator('.st-key-account [data-testid="stPopoverButton"]').filter(visible=True).bounding_box()
    assert account["x"] + account["width"] <= PHONE["width"], f"the account button is cut off on a phone: {account}"
    a_sid = _record_a_test(a)
    _sign_in(b, url, "bea")
    b_sid = _record_a_test(b)  # the store's latest unfinished session is now Bea's

    assert ada.has_session(a_sid) and not ada.has_session(b_sid)
    assert not bea.has_session(a_sid) and bea.has_session(b_sid), "each test was recorded as its person's"

    # the other's session link is "not found", exactly like an unknown id
    theirs, unknown = _not_found_page(a, url, b_sid), _not_found_page(a, url, "no-such-session")
    assert theirs == unknown and any(NOT_FOUND in t for t in theirs) and not any(b_sid in t for t in theirs)

    # resuming offers one's own unfinished session, never the other's (newer) one
    a.goto(f"{url}/session")
    settled(a)
    a.get_by_role("button", name="Resume it").click()
    a.wait_for_url(f"**session={a_sid}*")

    # History lists only one's own, and does not open the other's by its link
    b_list = " ".join(_listed(b, url))
    assert b_sid in b_list and "bea-01" in b_list and a_sid not in b_list and "ada-01" not in b_list
    a_list = " ".join(_listed(a, url, f"open={b_sid}"))
    assert a_sid in a_list and "ada-01" in a_list and b_sid not in a_list and "bea-01" not in a_list
    expect(a.get_by_role("button", name="Download this session (CSV)")).to_have_count(0)
    shot(a, "hosted-history-ada-phone")

    # export: one's own sessions only
    with a.expect_download() as info:
        a.get_by_role("button", name="Download all sessions (CSV)").click()
    exported = info.value.path().read_text()
    assert "ada-01" in exported and "bea-01" not in exported

    # delete all: a confirmation naming what goes, then Ada's rows are gone, Bea's untouched, Ada signed out
    tests = _tests_of(ada)
    a.get_by_role("button", name="Delete all my data").click()
    expect(a.get_by_text(f"2 sessions with {tests} tests")).to_be_visible()
    shot(a, "hosted-delete-all-confirm-phone")
    a.get_by_role("button", name="Yes, delete all my data").click()
    _back_at_sign_in(a, url)
    assert ada.list_sessions().empty and _tests_of(ada) == 0
    assert sorted(bea.list_sessions()["id"]) == sorted([b_sid, "bea-01"]) and _tests_of(bea) > 1, "nothing of Bea's went"

    # signing out in the menu returns to the sign-in page, which shows no data
    b.locator('.st-key-account [data-testid="stPopoverButton"]').filter(visible=True).click()
    b.get_by_role("button", name="Sign out").click()
    _back_at_sign_in(b, url)
    b.goto(f"{url}/session?session={b_sid}")
    expect(b.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    settled(b)
    assert b_sid not in b.locator('[data-testid="stMain"]').inner_text()
    shot(b, "hosted-signed-out")
    store.engine.dispose()
