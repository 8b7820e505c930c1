"""Every class of bad input: exit code 2, each problem with line and column, the store untouched."""

import re
import subprocess
import sys

import pytest

from core.cli import main
from core.data.csvio import export_csv
from tests.helpers import ROOT

HEADER = (
    "session_id,session_date,side,movement,position,muscle_group,stretch_seconds,"
    "reps_before,clicks_before,reps_after,clicks_after,pain_before,pain_after,notes"
)
GOOD = [
    "new-1,2026-10-05,left,bodyweight_squat,1,quadriceps,90,10,8,10,4,0,0,first",
    "new-1,2026-10-05,left,bodyweight_squat,2,rest_control,90,10,4,10,6,0,0,",
    "new-1,2026-10-05,left,bodyweight_squat,3,calves,90,10,6,10,5,0,1,last",
]


def csv_text(rows=GOOD, header=HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def with_cell(row: int, column: str, value: str, rows=GOOD) -> list[str]:
    """GOOD with one cell replaced (row 0 is file line 2)."""
    out = [r.split(",") for r in rows]
    out[row][HEADER.split(",").index(column)] = value
    return [",".join(r) for r in out]


@pytest.fixture
def stocked(store):
    """A store that already holds one session, to show an import never disturbs it."""
    from core.data.csvio import import_csv

    import_csv(store, csv_text([r.replace("new-1", "kept") for r in GOOD]).encode())
    return store


def run_import(tmp_path, capsys, db_url, content: bytes | str, *extra) -> tuple[int, str]:
    path = tmp_path / "in.csv"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    code = main(["import", str(path), "--db", db_url, *extra])
    return code, capsys.readouterr().err


CASES = {
    # name: (file content, [(line, column or None, words in the message)])
    "missing column": (csv_text([",".join(r.split(",")[:10] + r.split(",")[11:]) for r in GOOD], HEADER.replace(",clicks_after", "")), [(1, None, "clicks_after is missing")]),
    "misspelled column": (csv_text(header=HEADER.replace("clicks_after", "clicks_aftr")), [(1, 11, "clicks_after is missing")]),
    "wrong type": (csv_text(with_cell(1, "reps_before", "ten")), [(3, 8, "whole number")]),
    "decimal count": (csv_text(with_cell(0, "clicks_after", "4.5")), [(2, 11, "whole number")]),
    "negative count": (csv_text(with_cell(2, "clicks_after", "-2")), [(4, 11, "negative")]),
    "absurd clicks": (csv_text(with_cell(0, "clicks_before", "500")), [(2, 9, "not plausible")]),
    "absurd reps": (csv_text(with_cell(0, "reps_after", "1000")), [(2, 10, "not plausible")]),
    "absurd stretch": (csv_text(with_cell(1, "stretch_seconds", "86400")), [(3, 7, "not plausible")]),
    "a stretch of 0 seconds": (csv_text(with_cell(0, "stretch_seconds", "0")), [(2, 7, "only the rest control can be 0")]),
    "clicks with zero reps": (csv_text(with_cell(1, "reps_after", "0")), [(3, 11, "zero reps")]),
    "bad pain": (csv_text(with_cell(0, "pain_after", "11")), [(2, 13, "0-10")]),
    "unknown muscle group": (csv_text(with_cell(2, "muscle_group", "glutes")), [(4, 6, "unknown muscle group 'glutes'")]),
    "unknown side": (csv_text([r.replace(",left,", ",both,") for r in GOOD]), [(2, 3, "unknown side 'both'"), (3, 3, "unknown side"), (4, 3, "unknown side")]),
    "unknown movement": (csv_text([r.replace("bodyweight_squat", "lunge") for r in GOOD]), [(2, 4, "unknown movement 'lunge'"), (3, 4, ""), (4, 4, "")]),
    "duplicate position": (csv_text(with_cell(2, "position", "2")), [(4, 5, "position 2 appears twice")]),
    "impossible date": (csv_text([r.replace("2026-10-05", "2026-13-45") for r in GOOD]), [(2, 2, "ISO 8601"), (3, 2, ""), (4, 2, "")]),
    "local date format": (csv_text([r.replace("2026-10-05", "05/10/2026") for r in GOOD]), [(2, 2, "ISO 8601"), (3, 2, ""), (4, 2, "")]),
    "date differs within a session": (csv_text(with_cell(1, "session_date", "2026-10-06")), [(3, 2, "differs from '2026-10-05' on line 2")]),
    "empty session id": (csv_text(with_cell(0, "session_id", "")), [(2, 1, "empty")]),
    "empty file": ("", [(None, None, "empty")]),
    "only a header": (HEADER + "\n", [(2, None, "no rows")]),
    "semicolons": (csv_text([r.replace(",", ";") for r in GOOD], HEADER.replace(",", ";")), [(1, 1, "semicolons")]),
    "tabs": (csv_text([r.replace(",", "\t") for r in GOOD], HEADER.replace(",", "\t")), [(1, 1, "tabs")]),
    "latin-1 bytes": (csv_text(with_cell(1, "notes", "caf\xe9")).encode("latin-1"), [(3, 14, "not UTF-8 text (byte 0xe9 at character 75")]),
    "utf-16": (csv_text().encode("utf-16"), [(1, 1, "UTF-16")]),
    "row with a missing field": (csv_text(GOOD[:2] + [GOOD[2].rsplit(",", 1)[0]]), [(4, None, "13 fields, the header has 14")]),
    "broken quoting": (csv_text(with_cell(0, "notes", '"unclosed')), [(2, None, "a quoted field opens on this line and is never closed")]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_reported_with_line_and_column_and_nothing_is_imported(name, stocked, db_url, tmp_path, capsys):
    content, expected = CASES[name]
    before = (export_csv(stocked), stocked.list_sessions()["id"].tolist())
    code, err = run_import(tmp_path, capsys, db_url, content)
    assert code == 2
    assert "nothing imported" in err
    assert "Traceback" not in err
    problems = [line.strip() for line in err.splitlines()[1:]]
    assert len(problems) == len(expected), err
    for problem, (line, column, words) in zip(problems, expected):
        if line is not None:
            assert problem.startswith(f"line {line}"), problem
        if column is not None:
            assert f"column {column}" in problem, problem
        assert words in problem, problem
    assert (export_csv(stocked), stocked.list_sessions()["id"].tolist()) == before


def test_every_problem_in_a_file_is_reported_at_once(stocked, db_url, tmp_path, capsys):
    rows = with_cell(0, "clicks_after", "many")
    rows = with_cell(1, "muscle_group", "glutes", rows)
    rows = with_cell(2, "session_date", "yesterday", rows)
    code, err = run_import(tmp_path, capsys, db_url, csv_text(rows))
    assert code == 2
    assert "3 problems" in err
    assert re.search(r"line 2, column 11 \(clicks_after\): expected a whole number, got 'many'", err)
    assert re.search(r"line 3, column 6 \(muscle_group\): unknown muscle group 'glutes'", err)
    assert re.search(r"line 4, column 2 \(session_date\): 'yesterday' is not an ISO 8601 date", err)
    assert stocked.list_sessions()["id"].tolist() == ["kept"]


def test_lines_count_physical_lines_when_a_note_spans_several(stocked, db_url, tmp_path, capsys):
    rows = with_cell(0, "notes", '"a note\non three\nlines"')
    rows = with_cell(1, "clicks_after", "x", rows)
    code, err = run_import(tmp_path, capsys, db_url, csv_text(rows))
    assert code == 2
    assert "line 5, column 11" in err  # the second row starts on line 5 of the file


def test_a_file_too_large_is_refused_before_it_is_read(stocked, db_url, tmp_path, capsys, monkeypatch):
    import core.data.csv_read

    monkeypatch.setattr(core.data.csv_read, "MAX_IMPORT_BYTES", 100)
    code, err = run_import(tmp_path, capsys, db_url, csv_text())
    assert code == 2 and "too large" in err and "limit" in err
    assert stocked.list_sessions()["id"].tolist() == ["kept"]


def test_a_conflicting_session_is_reported_not_merged(stocked, db_url, tmp_path, capsys):
    before = export_csv(stocked)
    changed = [r.replace("new-1", "kept") for r in with_cell(2, "clicks_after", "2")]
    code, err = run_import(tmp_path, capsys, db_url, csv_text(changed + [GOOD[0].replace("new-1", "other")]))
    assert code == 2
    assert "line 2, column 1 (session_id): session 'kept' is already in the store with different data" in err
    assert export_csv(stocked) == before
    assert stocked.list_sessions()["id"].tolist() == ["kept"], "the valid new session was not imported either"


def test_a_good_file_imports_and_a_second_import_adds_nothing(store, db_url, tmp_path, capsys):
    code, _ = run_import(tmp_path, capsys, db_url, csv_text())
    out = capsys.readouterr
    assert code == 0
    code = main(["import", str(tmp_path / "in.csv"), "--db", db_url])
    captured = out()
    assert code == 0
    assert "imported 0 sessions; 1 already in the store" in captured.out
    assert store.list_sessions()["id"].tolist() == ["new-1"]


def test_check_only_reports_and_writes_nothing(store, db_url, tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text(csv_text())
    assert main(["import", str(path), "--db", db_url, "--check"]) == 0
    assert "would import 1 session" in capsys.readouterr().out
    assert store.list_sessions().empty


def test_import_as_a_real_process_exits_2_with_no_traceback(tmp_path, db_url):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(with_cell(0, "side", "middle")))
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "import", str(path), "--db", db_url],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "line 2, column 3 (side): unknown side 'middle'" in result.stderr
    assert "Traceback" not in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "core.cli", "import", str(tmp_path / "nope.csv"), "--db", db_url],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr


def test_a_rest_control_with_no_stretch_time_is_accepted():
    """The rest control has no stretch: 0 seconds is how a file may say so, and it reads like any other row."""
    from core.data.csvio import read_csv

    frame = read_csv(csv_text(with_cell(1, "stretch_seconds", "0")).encode())
    assert frame["stretch_seconds"].tolist() == [90, 0, 90]
    assert frame["muscle_group"].tolist()[1] == "rest_control"
