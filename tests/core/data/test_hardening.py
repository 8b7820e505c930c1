"""Issue 12's findings in the store and the CSV check: nothing lost silently, no secret echoed, no input that
stalls the check, private files, and messages that say what is wrong (SQLite and PostgreSQL where a store is
involved)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.cli import main
from core.data.csvio import CsvError, export_csv, import_csv, read_csv
from core.data.sample import SAMPLE_CSV
from core.data.store import Store, StoreError, describe_url
from tests.core.data.test_import_validation import GOOD, csv_text, with_cell
from tests.core.data.test_store import planned_session
from tests.helpers import ROOT

SECRET = "Sup3rSecretPw"


def start_sh_first_line(url: str) -> subprocess.CompletedProcess:
    """scripts/start.sh up to the line that starts Streamlit (its install step and the start left out)."""
    script = (ROOT / "scripts" / "start.sh").read_text()
    body = script.split('cd "$ROOT"', 1)[1].replace("exec ", "echo would run: ")
    env = {**os.environ, "KNEECLICK_DB_URL": url, "VENV": str(Path(sys.executable).parent.parent), "ROOT": str(ROOT)}
    return subprocess.run(["bash", "-c", "set -euo pipefail\ncd \"$ROOT\"" + body], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


# ---------------------------------------------- 2: a store file deleted or replaced while the app runs
@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_write_into_a_store_file_that_is_gone_is_refused_not_confirmed(tmp_path, how):
    path = tmp_path / "kneeclick.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    s = store.create_session(planned_session())
    store.record_test(s.id, 10, 7)
    if how == "deleted":
        path.unlink()
    else:  # e.g. a backup restored over it: another file, another inode, at the same path
        other = tmp_path / "other.sqlite3"
        Store.open(f"sqlite:///{other}").engine.dispose()
        os.replace(other, path)
    with pytest.raises(StoreError, match=f"{how} .*while kneeclick was running.*not saved"):
        store.record_test(s.id, 10, 3, after_position=1)
    with pytest.raises(StoreError, match="not saved"):
        store.set_note(s.id, "a note that would be lost")
    store.engine.dispose()
    again = Store.open(f"sqlite:///{path}")  # what a new process finds at the path: none of the refused writes
    assert not again.has_session(s.id) or (1 not in again.get_session(s.id).measurements and not again.get_session(s.id).notes)
    again.engine.dispose()


# ---------------------------------------------- 4: the database password is never shown
URL_FORMS = {
    "user:password@": f"postgresql+psycopg://kc:{SECRET}@127.0.0.1:9/kc?connect_timeout=2",
    "?password= in the query": f"postgresql+psycopg://kc@127.0.0.1:9/kc?password={SECRET}&connect_timeout=2",
    "not a URL at all": f"kc:{SECRET} at the office server",
    "password with an @": f"postgresql+psycopg://kc:{SECRET}@x@127.0.0.1:9/kc?connect_timeout=2",
    "sqlite with a query secret": f"sqlite:///{{tmp}}/k.sqlite3?sslpassword={SECRET}",
}


@pytest.mark.parametrize("form", list(URL_FORMS))
def test_a_database_password_is_masked_in_every_message(form, tmp_path, capsys):
    url = URL_FORMS[form].replace("{tmp}", str(tmp_path))
    assert SECRET not in describe_url(url)
    code = main(["where", "--db", url])
    err = capsys.readouterr().err
    script = start_sh_first_line(url)
    for text in (err, script.stdout, script.stderr):
        assert SECRET not in text
        assert "Traceback" not in text
    if form != "sqlite with a query secret":
        assert code == 2 and err.startswith("kneeclick where: ")


# ---------------------------------------------- 5: absurd headers and lines refused before parsing
@pytest.mark.parametrize(
    "content, words",
    [
        ("," * 2_000_000 + "\n", "header row has 2,000,001 fields"),
        (csv_text() + "x" * (3 * 2**20) + "\n", "line 5: this line is 3.0 MB long"),
        (csv_text(GOOD + ["," * 500_000]), "line 5: this row has 500,001 fields, the header has 14"),
    ],
    ids=["header of commas", "one huge line", "a row of commas"],
)
def test_a_pathological_file_is_refused_early_with_its_line(content, words):
    with pytest.raises(CsvError) as e:
        read_csv(content.encode())
    assert words.replace(",", "") in str(e.value).replace(",", "")


# ---------------------------------------------- 8: private file modes
def test_a_new_sqlite_store_its_wal_and_its_folder_are_private(tmp_path):
    old = os.umask(0o022)  # the usual umask, which made them 0644/0755
    try:
        folder = tmp_path / "data" / "kneeclick"
        store = Store.open(f"sqlite:///{folder / 'kneeclick.sqlite3'}")
        store.record_test(store.create_session(planned_session()).id, 10, 4)
        mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
        assert mode(folder) == 0o700 and mode(folder.parent) == 0o700
        files = {p.name: mode(p) for p in folder.iterdir()}
        assert {"kneeclick.sqlite3", "kneeclick.sqlite3-wal", "kneeclick.sqlite3-shm"} <= set(files)
        assert set(files.values()) == {0o600}, files
        store.engine.dispose()
    finally:
        os.umask(old)


# ---------------------------------------------- 10: messages that say what is wrong
@pytest.mark.parametrize(
    "url, words",
    [
        ("postgres://kc@localhost/kc", "write postgresql+psycopg:// instead"),
        ("postgresql://kc@localhost/kc", "write postgresql+psycopg:// instead"),
        ("postgresql+psycopg://kc@localhost:fivefour/kc", "The port in KNEECLICK_DB_URL / --db is not a number"),
        ("mysql://kc@localhost/kc", "kneeclick works with SQLite and PostgreSQL"),
    ],
)
def test_a_wrong_url_is_one_plain_line_in_the_cli_and_in_start_sh(url, words, tmp_path):
    env = {**os.environ, "KNEECLICK_DB_URL": url}
    cli = subprocess.run([sys.executable, "-m", "core.cli", "where"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert cli.returncode == 2 and words in cli.stderr and "Traceback" not in cli.stderr
    assert len(cli.stderr.strip().splitlines()) == 1
    check = start_sh_first_line(url)
    assert check.returncode != 0 and words in check.stderr and "Traceback" not in check.stderr
    assert "==> starting" not in check.stdout


@pytest.mark.postgres
def test_wrong_password_missing_database_and_unreachable_server_each_say_so(pg_server, pg_url):
    admin = sa.create_engine(pg_server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        hba = conn.exec_driver_sql("SHOW hba_file").scalar_one()
        if not os.access(hba, os.W_OK):
            pytest.skip("this PostgreSQL server's pg_hba.conf cannot be changed by the tests")
        conn.exec_driver_sql("DROP ROLE IF EXISTS kc_pw")
        conn.exec_driver_sql(f"CREATE ROLE kc_pw LOGIN PASSWORD '{SECRET}'")
        rules = open(hba).read()
        if "kc_pw" not in rules:  # this one user must give a password; every other rule stays as it was
            with open(hba, "w") as f:
                f.write("host all kc_pw 127.0.0.1/32 scram-sha-256\n" + rules)
        conn.exec_driver_sql("SELECT pg_reload_conf()")
    admin.dispose()
    base = pg_url.rsplit("/", 1)[0].split("://", 1)[1].split("@", 1)[1]  # 127.0.0.1:PORT
    db = pg_url.rsplit("/", 1)[1]
    with pytest.raises(StoreError, match="refused the user name or password") as e:
        Store.open(f"postgresql+psycopg://kc_pw:wrong-{SECRET}@{base}/{db}")
    assert SECRET not in str(e.value)
    with pytest.raises(StoreError, match="has no such database"):
        Store.open(f"postgresql+psycopg://postgres@{base}/no_such_db")
    with pytest.raises(StoreError, match="could not be reached"):
        Store.open("postgresql+psycopg://postgres@127.0.0.1:9/kc?connect_timeout=2")


# ---------------------------------------------- 11: NUL bytes, on every database
def test_a_nul_byte_is_refused_at_the_check_with_line_and_column(any_db_url, open_store):
    store = open_store(any_db_url)
    import_csv(store, SAMPLE_CSV)
    before = export_csv(store)
    rows = with_cell(1, "notes", '"a note\nwith a NUL \x00 here"', [r.replace("new-1", "nul-1") for r in GOOD])
    with pytest.raises(CsvError) as e:
        import_csv(store, csv_text(rows).encode())
    assert [str(p) for p in e.value.problems] == [
        "line 4, column 14: this field holds a NUL byte (character 0), which no database can store: the file is "
        "damaged or is not text; remove it and import again"
    ]  # the row starts on line 3; its note's second line, on line 4, holds the NUL
    assert export_csv(store) == before and not store.has_session("nul-1")


# ---------------------------------------------- 12: an unterminated quote names the line where it opens
def test_an_unterminated_quote_names_the_line_where_it_opens():
    rows = with_cell(0, "notes", '"never closed', GOOD)  # line 2; the file has 4 lines
    with pytest.raises(CsvError) as e:
        read_csv(csv_text(rows).encode())
    (problem,) = e.value.problems
    assert problem.line == 2 and "opens on this line and is never closed" in problem.message
    rows = with_cell(0, "notes", '"opens here', GOOD)
    rows = with_cell(2, "notes", 'a "quoted" word"', rows)  # a later quote closes it, then text follows
    with pytest.raises(CsvError) as e:
        read_csv(csv_text(rows).encode())
    assert str(e.value.problems[0]).startswith("line 2: a quoted field opens on this line and runs on to line 4")


# ---------------------------------------------- 5: the fast reader agrees with the exact one, line for line
def test_the_fast_reader_gives_the_exact_readers_rows_and_lines(monkeypatch):
    import core.data.csv_read as reader

    rows = with_cell(0, "notes", '"a note\non two lines, with ""quotes"""', GOOD)
    rows = with_cell(2, "notes", '""', rows)
    text = "\r\n\r\n" + csv_text(rows).replace("\n", "\r\n").replace(GOOD[1], "\r\n" + GOOD[1])  # blank lines
    data = b"\xef\xbb\xbf" + text.encode()
    fast = reader._parse_fast(data)
    assert fast is not None, "a well-formed file takes the fast path"
    monkeypatch.setattr(reader, "_parse_fast", lambda data: None)
    exact = reader._parse(data)
    assert fast.frame.index.tolist() == exact.frame.index.tolist() == [4, 7, 8]
    assert fast.columns == exact.columns
    assert fast.frame.astype(object).equals(exact.frame.astype(object))
    for broken in (data.replace(b"two lines", b'two "lines'), data + b"x,\x00\r\n", data.replace(b"\r\n", b"\r", 1)):
        assert reader._parse_fast(broken) is None, "anything unusual goes to the exact reader"


def test_the_session_columns_are_still_checked_row_by_row_after_vectorising():
    """The planned order and skipped positions (checked with whole-column operations for speed, finding 5)."""
    header = "session_id,session_date,side,movement,position,muscle_group,stretch_seconds,reps_before,clicks_before,reps_after,clicks_after,planned_order,skipped_positions"
    rows = [
        "a,2026-10-05,left,bodyweight_squat,1,calves,90,10,8,10,4,calves rest_control glutes,2",  # glutes; 2 has no row: fine
        "a,2026-10-05,left,bodyweight_squat,3,quadriceps,90,10,4,10,5,calves rest_control glutes,2",  # plan says glutes
        "b,2026-10-05,left,bodyweight_squat,1,calves,90,10,8,10,4,calves rest_control,2 7",  # 2 has a row; 7 beyond
        "b,2026-10-05,left,bodyweight_squat,2,rest_control,90,10,4,10,4,calves rest_control,2 7",
        "b,2026-10-05,left,bodyweight_squat,3,hamstrings,90,10,4,10,4,calves rest_control,2 7",  # beyond the plan
        "c,2026-10-05,left,bodyweight_squat,1,calves,90,10,8,10,4,,",
        "c,2026-10-05,left,bodyweight_squat,2,hamstrings,90,10,4,10,3,,",
    ]
    with pytest.raises(CsvError) as e:
        read_csv(("\n".join([header, *rows]) + "\n").encode())
    assert [str(p) for p in e.value.problems] == [
        "line 2, column 12 (planned_order): unknown muscle group 'glutes' in the planned order",
        "line 3, column 6 (muscle_group): 'quadriceps' at position 3, but the planned order has 'glutes' there",
        "line 4, column 13 (skipped_positions): position 2 is listed as skipped but has a row",
        "line 4, column 13 (skipped_positions): skipped position '7' is not a position of the planned order",
        "line 6, column 5 (position): position 3 is beyond the planned order of 2 conditions",
    ]
    good = [r for r in rows if r.startswith("c,")]
    frame = read_csv(("\n".join([header, *good]) + "\n").encode())
    assert frame["planned_order"].tolist() == ["calves hamstrings"] * 2, "no plan given: the rows are the plan"
