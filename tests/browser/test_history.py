"""In a real browser: export downloads the file, and the History page imports it back into an empty store."""

import pytest
from playwright.sync_api import expect

from core.data.csvio import export_csv, import_csv
from core.data.sample import SAMPLE_CSV
from core.data.store import Store
from tests.helpers import PHONE, exception_count, shot, wait_for_app

pytestmark = pytest.mark.browser

NOTE = 'slept badly, "stiff" =1+1\nsecond line – ünïcödé'


def test_export_downloads_and_the_history_page_imports_it_into_an_empty_store(server_factory, new_page, tmp_path):
    source_url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    source = Store.open(source_url)
    import_csv(source, SAMPLE_CSV)
    source.set_note("example-04", NOTE)
    expected = export_csv(source).encode("utf-8")
    source.engine.dispose()

    server = server_factory(db_url=source_url)
    page = new_page(accept_downloads=True)
    page.goto(f"{server.url}/history")
    wait_for_app(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download all sessions (CSV)").click()
    download = info.value
    assert download.suggested_filename == "kneeclick-sessions.csv"
    saved = tmp_path / "downloaded.csv"
    download.save_as(saved)
    assert saved.read_bytes() == expected
    shot(page, "history-export")
    server.stop()

    target_url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    server = server_factory(db_url=target_url)
    page = new_page(viewport=PHONE)
    page.goto(f"{server.url}/history")
    wait_for_app(page)
    expect(page.get_by_text("No sessions yet")).to_be_visible()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(saved)
    expect(page.get_by_text("would import 7 sessions")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Import 7 sessions").click()
    expect(page.get_by_text("imported 7 sessions")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    assert exception_count(page) == 0
    shot(page, "history-imported-phone")

    target = Store.open(target_url)
    assert export_csv(target).encode("utf-8") == expected, "what came back in is exactly what went out"
    assert target.get_session("example-04").notes == NOTE
    target.engine.dispose()

    # a deep link opens one session, with its note shown as the plain text it is
    page.goto(f"{server.url}/history?open=example-04")
    wait_for_app(page)
    expect(page.get_by_role("button", name="Download this session (CSV)")).to_be_visible()
    expect(page.locator("textarea")).to_have_value(NOTE)
    assert exception_count(page) == 0
    shot(page, "history-open-session-phone")
