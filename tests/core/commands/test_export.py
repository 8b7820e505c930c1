"""`kneeclick export` and `kneeclick import` against real stores, including locked and unreadable ones."""

import sqlite3

import pytest

from core.cli import main
from core.data.csvio import export_csv, import_csv
from core.data.sample import SAMPLE_CSV


@pytest.fixture
def stocked(store):
    import_csv(store, SAMPLE_CSV)
    return store


def test_export_to_stdout_is_the_whole_store(stocked, db_url, capsysbinary):
    assert main(["export", "--db", db_url]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out == export_csv(stocked).encode("utf-8")
    assert b"exported 7 sessions" in captured.err


def test_export_one_session_to_a_file(stocked, db_url, tmp_path, capsys):
    out = tmp_path / "one.csv"
    assert main(["export", "--db", db_url, "--session", "example-03", "-o", str(out)]) == 0
    assert out.read_bytes() == export_csv(stocked, ["example-03"]).encode("utf-8")
    lines = out.read_text().splitlines()
    assert len(lines) > 2 and all(line.startswith("example-03,") for line in lines[1:])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".one.csv")], "no temporary file is left behind"


def test_export_of_an_unknown_session_writes_nothing(stocked, db_url, tmp_path, capsys):
    out = tmp_path / "one.csv"
    out.write_text("keep me")
    assert main(["export", "--db", db_url, "--session", "nope", "-o", str(out)]) == 2
    assert "no session with id nope" in capsys.readouterr().err
    assert out.read_text() == "keep me"


def test_export_then_import_through_the_command_line(stocked, db_url, tmp_path, capsys):
    out = tmp_path / "all.csv"
    assert main(["export", "--db", db_url, "-o", str(out)]) == 0
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    assert main(["import", str(out), "--db", other]) == 0
    assert "imported 7 sessions" in capsys.readouterr().out
    again = tmp_path / "again.csv"
    assert main(["export", "--db", other, "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_sessions_without_a_completed_condition_are_named_on_export(store, db_url, capsys):
    from tests.core.data.test_csv_roundtrip import session

    s = store.create_session(session())
    store.record_test(s.id, 10, 4)  # a baseline only
    assert main(["export", "--db", db_url]) == 0
    err = capsys.readouterr().err
    assert f"not in the file: 1 session with no completed condition ({s.id})" in err


def test_an_unreadable_store_is_one_clear_line_and_stays_untouched(tmp_path, capsys):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"my thesis, not a database\n" * 100)
    before = bad.read_bytes()
    csv_file = tmp_path / "in.csv"
    csv_file.write_bytes(SAMPLE_CSV.read_bytes())
    for argv in (["export", "--db", f"sqlite:///{bad}", "-o", str(tmp_path / "out.csv")],
                 ["import", str(csv_file), "--db", f"sqlite:///{bad}"]):  # fmt: skip
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "not a kneeclick database" in err and len(err.strip().splitlines()) == 1
        assert bad.read_bytes() == before
    assert not (tmp_path / "out.csv").exists()


def test_a_locked_store_refuses_the_import_with_a_message_and_keeps_its_data(stocked, db_url, tmp_path, capsys, monkeypatch):
    import core.data.schema

    monkeypatch.setattr(core.data.schema, "SQLITE_BUSY_TIMEOUT_MS", 300)
    new = tmp_path / "new.csv"
    new.write_text(SAMPLE_CSV.read_text().replace("example-", "other-"))
    before = export_csv(stocked)
    blocker = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert main(["import", str(new), "--db", db_url]) == 2
        err = capsys.readouterr().err
        assert "locked" in err and "Nothing was changed" in err and "Traceback" not in err
        # reading still works while another program writes (WAL): export is not blocked
        assert main(["export", "--db", db_url, "-o", str(tmp_path / "during.csv")]) == 0
        assert (tmp_path / "during.csv").read_text() == before
    finally:
        blocker.rollback()
        blocker.close()
    assert export_csv(stocked) == before
    assert main(["import", str(new), "--db", db_url]) == 0, "once the lock is gone the same import works"


def test_import_reads_stdin_with_a_dash(store, db_url, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(SAMPLE_CSV.read_bytes())))
    assert main(["import", "-", "--db", db_url]) == 0
    assert "imported 7 sessions" in capsys.readouterr().out
    assert len(store.list_sessions()) == 7
