"""Hosted mode through AppTest (``at.secrets`` with ``[auth]``, ``at.user`` as the provider's claims), and
"delete all my data" in both modes.  The real sign-in, against a real OpenID Connect provider, is in
tests/browser/test_hosted.py."""

from __future__ import annotations

import pyarrow as pa
import pytest

from core.data.sample import SAMPLE_CSV
from core.data.csvio import import_csv
from core.data.schema import measurements_table, sessions_table, trials_table
from core.serve.owner import owner_id
from tests.core.data.test_csv_roundtrip import session

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "kneeclick",
    "client_secret": "s3cret",
    "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration",
}
ISSUER = "http://localhost:9400"
ADA = {"is_logged_in": True, "iss": ISSUER, "sub": "ada-sub", "name": "Ada", "email": "ada@example.com"}
BEA = {"is_logged_in": True, "iss": ISSUER, "sub": "bea-sub", "name": "Bea", "email": "bea@example.com"}
SIGNED_OUT = {"is_logged_in": False}
DATA_PAGES = ["session", "results", "history"]


@pytest.fixture
def hosted_app(app_test):
    """``hosted_app(user, page=..., query=...)``: app.py with an ``[auth]`` section in its secrets."""

    def make(user: dict, page: str | None = None, query: dict | None = None, secrets: dict | None = None):
        return app_test(page, query, secrets={"auth": AUTH} if secrets is None else secrets, user=user)

    return make


def _rows(store, table) -> int:
    """How many rows of ``table`` the store's owner has, counted in SQL (not through the code under test)."""
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(table.c.owner == store.owner)).scalar_one()


def _text(at) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "text", "info", "success", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def _two_people(store):
    """Ada has the example's seven sessions, Bea one unfinished session, the local owner one more."""
    ada, bea = store.for_owner(owner_id(ADA)), store.for_owner(owner_id(BEA))
    import_csv(ada, SAMPLE_CSV)
    mine = bea.create_session(session(date="2026-12-01"))
    bea.record_test(mine.id, 10, 6)
    local = store.create_session(session(date="2026-12-02"))
    return ada, bea, mine.id, local.id


@pytest.mark.parametrize("page", DATA_PAGES)
def test_signed_out_every_data_page_is_the_sign_in_screen_and_shows_no_data(hosted_app, store, page):
    _, _, bea_id, local_id = _two_people(store)
    at = hosted_app(SIGNED_OUT, page=page, query={"session": bea_id, "open": bea_id})
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to kneeclick"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.get("download_button") and not at.file_uploader and not at.toggle
    text = _text(at)
    assert bea_id not in text and local_id not in text and "example-0" not in text
    assert not at.get("popover"), "no account menu before signing in"


def test_signed_out_the_about_page_stays_open(hosted_app):
    at = hosted_app(SIGNED_OUT, page="about")
    assert not at.exception
    assert [t.value for t in at.title] == ["About kneeclick"]


def test_each_provider_of_the_secrets_gets_its_own_sign_in_button(hosted_app):
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    secrets = {"auth": {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"],
                        "google": provider, "microsoft": provider}}  # fmt: skip
    at = hosted_app(SIGNED_OUT, page="history", secrets=secrets)
    assert [b.label for b in at.button] == ["Sign in with Google", "Sign in with Microsoft"]


def test_signed_in_history_lists_only_ones_own_sessions(hosted_app, store):
    _, _, bea_id, local_id = _two_people(store)
    at = hosted_app(ADA, page="history")
    assert not at.exception
    assert sorted(at.dataframe[0].value["Id"]) == [f"example-0{i}" for i in range(1, 8)]
    at = hosted_app(BEA, page="history")
    assert at.dataframe[0].value["Id"].tolist() == [bea_id]
    assert local_id not in _text(at)


def test_signed_in_another_persons_session_link_is_not_found_like_an_unknown_id(hosted_app, store):
    _, _, bea_id, _ = _two_people(store)
    theirs = hosted_app(ADA, page="session", query={"session": bea_id})
    unknown = hosted_app(ADA, page="session", query={"session": "no-such-session"})
    assert not theirs.exception
    assert [e.value for e in theirs.error] == [e.value for e in unknown.error]
    assert "not in your store" in theirs.error[0].value
    assert bea_id not in _text(theirs)
    at = hosted_app(ADA, page="history", query={"open": bea_id})
    assert at.selectbox(key="open").value is None, "History opens nothing of another person's"


def test_signed_in_results_are_ones_own(hosted_app, store):
    _two_people(store)
    ada = hosted_app(ADA, page="results")
    bea = hosted_app(BEA, page="results")
    assert not ada.exception and not bea.exception
    assert ada.get("vega_lite_chart"), "Ada's seven sessions give results"
    assert "No finished conditions yet" in _text(bea)
    # Bea's one test (6 clicks in 10 reps) is all her page draws: the start of her trend, nothing of Ada's
    (chart,) = bea.get("vega_lite_chart")
    (data,) = chart.proto.datasets
    rows = pa.ipc.open_stream(data.data.data).read_all().to_pylist()
    assert len(rows) == 1 and 6 in rows[0].values(), rows


def test_the_menu_names_who_is_signed_in_and_signs_out(hosted_app, store):
    at = hosted_app(ADA, page="history")
    assert "Ada" in [t.value for t in at.get("popover")[0].text]
    at.button(key="sign-out").click().run()
    assert not at.exception
    assert at.user == SIGNED_OUT
    at.run()
    assert [t.value for t in at.title] == ["Sign in to kneeclick"]


def test_a_sign_in_without_a_subject_shows_no_data(hosted_app, store):
    _two_people(store)
    at = hosted_app({"is_logged_in": True, "email": "ada@example.com", "iss": ISSUER}, page="history")
    assert not at.exception
    assert "cannot be used to keep your data apart" in at.error[0].value
    assert not at.dataframe
    assert [b.key for b in at.button] == ["sign-out"], "only signing out, in the menu"


def test_delete_all_names_what_goes_and_deletes_only_ones_own(hosted_app, store):
    ada, bea, bea_id, local_id = _two_people(store)
    at = hosted_app(ADA, page="history")
    sessions, tests = _rows(ada, sessions_table), _rows(ada, measurements_table)
    assert sessions == 7 and tests > sessions
    at.button(key="delete-all").click().run()
    assert f"7 sessions with {tests} tests" in at.warning[0].value and "signed out" in at.warning[0].value
    assert len(ada.list_sessions()) == 7, "nothing is deleted before the confirmation"
    at.button(key="delete-all-no").click().run()
    assert not at.warning and len(ada.list_sessions()) == 7

    at.button(key="delete-all").click().run()
    at.button(key="delete-all-yes").click().run()
    assert not at.exception
    assert ada.list_sessions().empty and _rows(ada, measurements_table) == 0 and _rows(ada, trials_table) == 0
    assert bea.list_sessions()["id"].tolist() == [bea_id] and store.has_session(local_id), "nobody else's"
    assert at.user == SIGNED_OUT, "signed out after the deletion"


def test_local_mode_delete_all_deletes_everything_with_the_same_confirmation_and_no_sign_in(app_test, store):
    import_csv(store, SAMPLE_CSV)
    open_one = store.create_session(session(date="2026-12-01"))
    store.record_test(open_one.id, 10, 6)
    store.start_program("left", "calves")
    tests = _rows(store, measurements_table)
    at = app_test(page="history")
    assert not at.get("popover"), "local mode: nobody to sign out"
    at.button(key="delete-all").click().run()
    warning = at.warning[0].value
    assert f"8 sessions with {tests} tests and 1 stretching program?" in warning and "signed out" not in warning
    at.button(key="delete-all-yes").click().run()
    assert not at.exception
    assert store.list_sessions().empty and _rows(store, measurements_table) == 0 and not store.programs()
    said = f"Deleted all your data: 8 sessions with {tests} tests and 1 stretching program."
    assert any(said in s.value for s in at.success)
    assert "No sessions yet" in at.info[0].value
    assert not [b for b in at.button if b.key == "delete-all"], "nothing left to delete"


def test_an_unreadable_secrets_file_stops_every_page_instead_of_falling_back_to_one_shared_store(app_test, store, tmp_path):
    from streamlit import config

    import_csv(store, SAMPLE_CSV)
    bad = tmp_path / "secrets.toml"
    bad.write_text('[auth]\nclient_id = "kneeclick\n')  # an unclosed string: not TOML
    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(bad)])
    try:
        at = app_test(page="history")
    finally:
        config.set_option("secrets.files", before)
    assert not at.exception
    assert "cannot read its secrets file" in at.error[0].value and str(bad) in [t.value for t in at.text]
    assert not at.dataframe and "example-0" not in _text(at)
