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



RAISES_CLIERROR = """
import runpy, sys, types
import core.commands
from core.cli import CliError

def register(sub):
    sub.add_parser("boom").set_defaults(func=run)

def run(args):
    raise CliError("bad.csv: line 3, column 2 (side): expected left or right")

mod = types.ModuleType("core.commands.boom")
mod.register = register
sys.modules["core.commands.boom"] = mod
core.commands.COMMANDS.append("boom")
sys.argv = ["kneeclick", "boom"]
runpy.run_module("core.cli", run_name="__main__")
"""


def test_a_command_error_is_one_line_under_python_m():
    """Run as `python -m core.cli`, main() must catch the CliError class the commands import."""
    result = subprocess.run([sys.executable, "-c", RAISES_CLIERROR], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "kneeclick boom: bad.csv: line 3, column 2 (side): expected left or right"
    )
