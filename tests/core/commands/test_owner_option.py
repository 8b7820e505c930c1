"""`import`, `export` and `where` with --owner: an admin's tool on a hosted database; local mode unchanged."""

from core.cli import build_parser, main
from core.data.csvio import export_csv
from core.data.sample import SAMPLE_CSV
from core.data.store import Store

ALICE = "https://issuer.example|alice"
BOB = "https://issuer.example|bob"


def test_the_commands_spell_the_local_owner_as_the_store_does():
    import core.commands
    from core.data.schema import LOCAL_OWNER

    assert core.commands.LOCAL_OWNER == LOCAL_OWNER


def test_owner_help_says_it_is_an_admins_tool_not_needed_locally():
    sub = build_parser()._subparsers._group_actions[0].choices
    for name in ("import", "export", "where"):
        text = sub[name].format_help()
        assert "--owner ID" in text and "admin" in text and "local mode" in text


def test_each_owner_imports_exports_and_counts_only_their_own(db_url, tmp_path, capsys):
    csv = SAMPLE_CSV  # the example file shipped with kneeclick: 7 sessions
    assert main(["import", str(csv), "--db", db_url, "--owner", ALICE]) == 0
    assert "imported 7 sessions" in capsys.readouterr().out
    # The same ids for Bob: his own copies, nothing "already in the store".
    assert main(["import", str(csv), "--db", db_url, "--owner", BOB]) == 0
    assert "imported 7 sessions" in capsys.readouterr().out

    assert main(["where", "--db", db_url, "--owner", ALICE]) == 0
    out = capsys.readouterr().out
    assert f"owner: {ALICE}" in out and "sessions: 7" in out
    assert main(["where", "--db", db_url]) == 0  # local mode: the local owner has nothing here
    out = capsys.readouterr().out
    assert "sessions: 0" in out and "owner:" not in out

    out_file = tmp_path / "alice.csv"
    assert main(["export", "--db", db_url, "--owner", ALICE, "-o", str(out_file)]) == 0
    store = Store.open(db_url)
    try:
        assert out_file.read_text(encoding="utf-8") == export_csv(store.for_owner(ALICE))
    finally:
        store.engine.dispose()
    capsys.readouterr()
    assert main(["export", "--db", db_url]) == 0
    assert "exported 0 sessions" in capsys.readouterr().err


def test_another_owners_session_is_unknown_to_export(db_url, tmp_path, capsys):
    csv = SAMPLE_CSV  # the example file shipped with kneeclick: 7 sessions
    assert main(["import", str(csv), "--db", db_url, "--owner", ALICE]) == 0
    capsys.readouterr()
    out = tmp_path / "x.csv"
    assert main(["export", "--db", db_url, "--owner", BOB, "--session", "example-01", "-o", str(out)]) == 2
    theirs = capsys.readouterr().err
    assert main(["export", "--db", db_url, "--owner", BOB, "--session", "example-99", "-o", str(out)]) == 2
    nobodys = capsys.readouterr().err
    assert theirs.replace("example-01", "ID") == nobodys.replace("example-99", "ID")
    assert not out.exists()


def test_an_empty_owner_is_one_clear_line(db_url, capsys):
    assert main(["where", "--db", db_url, "--owner", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kneeclick where: --owner:") and "owner is required" in err and len(err.splitlines()) == 1
