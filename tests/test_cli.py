import subprocess
import sys

from tests.helpers import ROOT


def kneeclick(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300
    )


def test_help_lists_the_commands():
    result = kneeclick("--help")
    assert result.returncode == 0
    assert "usage: kneeclick" in result.stdout
    assert "where" in result.stdout


def test_where_reports_the_store_from_the_db_option(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    result = kneeclick("where", "--db", url)
    assert result.returncode == 0, result.stderr
    assert url in result.stdout and "sessions: 0" in result.stdout
    assert (tmp_path / "x.sqlite3").exists()


def test_an_unusable_store_is_one_clear_line_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database at all\n" * 50)
    result = kneeclick("where", "--db", f"sqlite:///{bad}")
    assert result.returncode == 2
    assert "not a kneeclick database" in result.stderr
    assert "Traceback" not in result.stderr
