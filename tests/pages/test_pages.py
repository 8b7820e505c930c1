"""Every page renders through AppTest; the example data is one click away and never mixed in."""

import pytest

from core.data.sample import SAMPLE_LABEL

PAGES = ["session", "results", "history", "about"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_an_exception(app_test, page):
    at = app_test(page=page)
    assert not at.exception
    assert at.title, "every page has a heading"
    assert any("not medical advice" in c.value for c in at.caption), "the disclaimer is shown"


@pytest.mark.parametrize("page", ["results", "history"])
def test_the_example_data_is_one_toggle_away(app_test, store, page):
    at = app_test(page=page)
    assert not at.dataframe, "an empty store shows no table"
    at.toggle(key="example").set_value(True).run()
    assert not at.exception
    assert any(SAMPLE_LABEL in i.value for i in at.info)
    if page == "history":
        assert len(at.dataframe[0].value) >= 5, "the example's sessions are listed"
    else:
        assert any("After stretching your" in m.value for m in at.markdown), "the example is ranked"
    assert store.list_sessions().empty, "the example never enters the person's store"


def test_about_page_states_the_evidence_and_limits(app_test):
    at = app_test(page="about")
    text = " ".join(m.value for m in at.markdown)
    assert "rest control" in text.lower() and "odds ratio" in text.lower()


def test_an_unreadable_store_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.helpers import ROOT

    bad = tmp_path / "damaged.sqlite3"
    bad.write_bytes(b"\x00garbage" * 500)
    before = bad.read_bytes()
    monkeypatch.setenv("KNEECLICK_DB_URL", f"sqlite:///{bad}")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/history.py").run()
    assert not at.exception
    assert at.error and any("not a kneeclick database" in t.value for t in at.text), "the message, as plain text"
    assert bad.read_bytes() == before


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgresql+psycopg://kc@127.0.0.1:9/kc?password=Sup3rSecretPw&connect_timeout=2", "could not be reached"),
        ("postgresql+psycopg://kc:Sup3rSecretPw@127.0.0.1:9/kc?connect_timeout=2", "could not be reached"),
        ("kc:Sup3rSecretPw at the office", "is not a database URL"),
        ("postgres://kc:Sup3rSecretPw@localhost/kc", "write postgresql+psycopg:// instead"),
        ("postgresql+psycopg://kc:Sup3rSecretPw@localhost:fivefour/kc", "is not a number"),
    ],
)
def test_a_store_url_that_cannot_be_used_is_one_plain_message_without_its_password(url, words, monkeypatch):
    """Issue 12, findings 4 and 10, on the page: what is wrong, in words, and never the password."""
    from streamlit.testing.v1 import AppTest

    from tests.helpers import ROOT

    monkeypatch.setenv("KNEECLICK_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/history.py").run()
    assert not at.exception
    shown = [e.value for e in at.error] + [t.value for t in at.text]
    assert at.error and any(words in t for t in shown), shown
    assert not any("Sup3rSecretPw" in t for t in shown)
