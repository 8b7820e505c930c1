"""Every public read and write of the store is one owner's alone, on SQLite and PostgreSQL.

Alice holds sessions; Bob, another owner on the same store, tries every public Store method on them.  Bob
must see nothing of Alice's, change nothing of hers, and a session id of hers must behave for him exactly as
an id nobody has.  ``CHECKS`` holds one check per public name of Store: a new public method that is not
given a check here fails ``test_every_public_store_method_has_an_owner_check``.
"""

from __future__ import annotations

import pytest

from core.data.csvio import export_csv, import_csv
from core.data.sample import SAMPLE_CSV
from core.data.schema import LOCAL_OWNER, OWNER_MAX_CHARS
from core.data.store import Store, new_session_id
from core.session import flow
from core.session.vocabulary import Movement, MuscleGroup, SafetyScreen, SessionStatus, Side, Trial
from tests.core.data.test_store import planned_session

ALICE = "https://issuer.example|alice-sub"
BOB = "https://issuer.example|bob-sub"


class World:
    """Alice's data on one store, Bob's view of the same store, and a picture of Alice's data to compare."""

    def __init__(self, base: Store) -> None:
        self.alice = base.for_owner(ALICE)
        self.bob = base.for_owner(BOB)
        self.sample = import_csv(self.alice, SAMPLE_CSV).new_sessions  # the example's session ids
        s = self.alice.create_session(planned_session())
        self.alice.record_test(s.id, 10, 8, pain=1)
        self.alice.record_test(s.id, 10, 5, after_position=1)
        self.alice.set_note(s.id, "Alice's own note")
        self.sid = s.id  # in progress: condition 2 and 3 still to do
        blank = planned_session()
        blank.trials, blank.planned_order = [], []
        self.blank = self.alice.create_session(blank).id  # created at the safety screen, not set up yet
        check = self.alice.create_session(
            flow.new_quick_check(new_session_id(), Side.LEFT, Movement.BODYWEIGHT_SQUAT, 10, SafetyScreen())
        )
        self.alice.record_test(check.id, 10, 4, pain=0)
        self.check = check.id  # a quick check: its test alone
        self.program = self.alice.start_program(Side.RIGHT, MuscleGroup.CALVES).id  # running
        self.before = self.picture()

    def picture(self) -> tuple:
        a = self.alice
        ids = sorted(a.list_sessions()["id"])
        return (
            export_csv(a),
            a.list_sessions().drop(columns=["started_at"]).to_dict("records"),
            a.session_columns().to_dict("records"),
            a.programs(),
            [a.get_session(i) for i in ids],
            a.revision(),
        )

    def assert_alice_untouched(self) -> None:
        assert self.picture() == self.before


def same_as_unknown(call, store: Store, other_id: str) -> None:
    """``call(store, id)`` on another owner's id fails exactly as on an id nobody has (same type and words)."""
    unknown = "0123456789ab"
    with pytest.raises(Exception) as theirs:
        call(store, other_id)
    with pytest.raises(Exception) as nobodys:
        call(store, unknown)
    assert type(theirs.value) is type(nobodys.value)
    assert str(theirs.value).replace(other_id, "ID") == str(nobodys.value).replace(unknown, "ID")


def _setup(store, sid):
    store.save_setup(
        sid, side=Side.RIGHT, movement=Movement.BODYWEIGHT_SQUAT, reps_per_test=5, stretch_seconds=30,
        order_seed=1, randomized=False, trials=[Trial(position=1, muscle_group=MuscleGroup.CALVES, stretch_seconds=30)],
    )  # fmt: skip


def check_has_session(w):
    assert w.alice.has_session(w.sid) and not w.bob.has_session(w.sid)


def check_get_session(w):
    same_as_unknown(lambda s, i: s.get_session(i), w.bob, w.sid)


def check_latest_unfinished(w):
    assert w.alice.latest_unfinished() is not None
    assert w.bob.latest_unfinished() is None


def check_list_sessions(w):
    assert len(w.alice.list_sessions()) == len(w.sample) + 3
    assert w.bob.list_sessions().empty


def check_set_status(w):
    same_as_unknown(lambda s, i: s.set_status(i, SessionStatus.STOPPED, "not mine"), w.bob, w.sid)


def check_save_setup(w):
    same_as_unknown(_setup, w.bob, w.blank)


def check_update_flow(w):
    same_as_unknown(lambda s, i: s.update_flow(i, {"step": "x"}, status=SessionStatus.STOPPED), w.bob, w.sid)


def check_set_note(w):
    same_as_unknown(lambda s, i: s.set_note(i, "Bob was here"), w.bob, w.sid)


def check_delete_session(w):
    same_as_unknown(lambda s, i: s.delete_session(i), w.bob, w.sid)


def check_record_test(w):
    same_as_unknown(lambda s, i: s.record_test(i, 10, 1, after_position=2), w.bob, w.sid)


def check_skip_trial(w):
    same_as_unknown(lambda s, i: s.skip_trial(i, 2), w.bob, w.sid)


def check_trials_frame(w):
    assert len(w.alice.trials_frame()) > 0
    assert w.bob.trials_frame().empty
    assert w.bob.trials_frame([w.sid, "example-01"]).empty
    assert w.check in set(w.alice.trials_frame(checks=True)["session_id"])  # quick checks too
    assert w.bob.trials_frame(checks=True).empty
    assert w.bob.trials_frame([w.check], checks=True).empty
    assert w.bob.trials_frame(checks=True, baselines=True).empty  # full sessions stopped at their baseline too


def check_session_columns(w):
    assert w.bob.session_columns().empty
    assert w.bob.session_columns([w.sid, "example-01"]).empty


def check_existing_session_ids(w):
    assert w.alice.existing_session_ids([w.sid, "example-01"]) == {w.sid, "example-01"}
    assert w.bob.existing_session_ids([w.sid, "example-01"]) == set()


def check_insert_many(w):
    """Bob importing the same CSV (same session ids) gets his own copies; nothing clashes, nothing of hers shows."""
    report = import_csv(w.bob, SAMPLE_CSV)  # existing_session_ids + insert_many
    assert report.new_sessions == w.sample and not report.already_stored
    assert sorted(w.bob.list_sessions()["id"]) == sorted(w.sample)
    assert export_csv(w.bob) == export_csv(w.alice, w.sample)


def check_create_session(w):
    """Bob may hold a session with the very id of one of Alice's: it is his, separate from hers."""
    mine = planned_session(("quadriceps",))
    mine.id = w.sid
    w.bob.create_session(mine)
    w.bob.record_test(w.sid, 10, 1)
    w.bob.set_note(w.sid, "Bob's note")
    got = w.bob.get_session(w.sid)
    assert [t.muscle_group for t in got.trials] == [MuscleGroup.QUADRICEPS]
    assert got.notes == "Bob's note" and len(got.measurements) == 1
    w.bob.delete_session(w.sid)
    assert not w.bob.has_session(w.sid)


def check_delete_owner_data(w):
    assert w.bob.owner_totals() == {"sessions": 0, "tests": 0, "conditions": 0, "programs": 0}
    assert w.bob.delete_owner_data() == {"sessions": 0, "tests": 0, "conditions": 0, "programs": 0}
    import_csv(w.bob, SAMPLE_CSV)
    w.bob.start_program(Side.RIGHT, MuscleGroup.HAMSTRINGS)
    tests = sum(len(w.bob.get_session(i).measurements) for i in w.sample)
    conditions = sum(len(w.bob.get_session(i).trials) for i in w.sample)
    assert tests > 0 and conditions > 0
    expected = {"sessions": len(w.sample), "tests": tests, "conditions": conditions, "programs": 1}
    assert w.bob.owner_totals() == expected  # counted, nothing deleted ...
    assert w.bob.delete_owner_data() == expected  # ... and then deleted
    assert w.bob.list_sessions().empty and w.bob.trials_frame().empty and w.bob.programs() == []


def check_start_program(w):
    """Alice's running program on the right leg does not stop Bob starting his own there."""
    mine = w.bob.start_program(Side.RIGHT, MuscleGroup.QUADRICEPS)
    assert w.bob.active_program(Side.RIGHT) == mine
    w.bob.delete_owner_data()


def check_active_program(w):
    assert w.alice.active_program(Side.RIGHT) is not None
    assert w.bob.active_program(Side.RIGHT) is None


def check_programs(w):
    assert [p.id for p in w.alice.programs()] == [w.program]
    assert w.bob.programs() == []


def check_end_program(w):
    same_as_unknown(lambda s, i: s.end_program(i), w.bob, w.program)


def check_revision(w):
    """Bob's writes leave Alice's revision as it is (picture() holds it) and change his; never the same text."""
    r = w.bob.revision()
    assert r != w.alice.revision()
    w.bob.create_session(planned_session())
    assert w.bob.revision() != r
    w.bob.delete_owner_data()


def check_for_owner(w):
    view = w.bob.for_owner(ALICE)
    assert view.owner == ALICE and view.engine is w.bob.engine
    assert view.list_sessions().equals(w.alice.list_sessions())


def check_open(w):
    opened = Store.open(w.alice.engine.url.render_as_string(hide_password=False))
    try:
        assert opened.owner == LOCAL_OWNER and opened.list_sessions().empty  # Alice's sessions are not local
    finally:
        opened.engine.dispose()


def not_owner_data(w):
    """Names that read or write no one's sessions (the store's address, schema, file, a limit)."""


CHECKS = {
    "has_session": check_has_session,
    "get_session": check_get_session,
    "latest_unfinished": check_latest_unfinished,
    "list_sessions": check_list_sessions,
    "set_status": check_set_status,
    "save_setup": check_save_setup,
    "update_flow": check_update_flow,
    "set_note": check_set_note,
    "delete_session": check_delete_session,
    "delete_owner_data": check_delete_owner_data,
    "owner_totals": check_delete_owner_data,
    "start_program": check_start_program,
    "active_program": check_active_program,
    "programs": check_programs,
    "end_program": check_end_program,
    "record_test": check_record_test,
    "skip_trial": check_skip_trial,
    "trials_frame": check_trials_frame,
    "session_columns": check_session_columns,
    "existing_session_ids": check_existing_session_ids,
    "insert_many": check_insert_many,
    "create_session": check_create_session,
    "revision": check_revision,
    "for_owner": check_for_owner,
    "open": check_open,
    "ensure_schema": not_owner_data,
    "schema_version": not_owner_data,
    "check_file": not_owner_data,
    "url": not_owner_data,
    "MAX_NOTE_CHARS": not_owner_data,
}


def test_every_public_store_method_has_an_owner_check():
    public = {name for name in dir(Store) if not name.startswith("_")}
    assert public - set(CHECKS) == set(), "new public Store names: add an owner check to CHECKS"
    assert set(CHECKS) - public == set(), "CHECKS names what Store no longer has"


@pytest.mark.parametrize("name", [n for n, c in CHECKS.items() if c is not not_owner_data])
def test_another_owner_sees_and_changes_nothing(name, any_db_url, open_store):
    w = World(open_store(any_db_url))
    CHECKS[name](w)
    w.assert_alice_untouched()


def test_an_owner_id_is_required_and_bounded(store):
    with pytest.raises(ValueError, match="owner"):
        store.for_owner("")
    with pytest.raises(ValueError, match=str(OWNER_MAX_CHARS)):
        store.for_owner("x" * (OWNER_MAX_CHARS + 1))
    longest = store.for_owner("é" * OWNER_MAX_CHARS)
    longest.create_session(planned_session())
    assert len(longest.list_sessions()) == 1 and store.list_sessions().empty


def test_each_write_changes_the_writers_revision_only(any_db_url, open_store):
    w = World(open_store(any_db_url))
    bob_at = w.bob.revision()
    fresh = [w.alice.for_owner(f"https://issuer.example|new-{n}").revision() for n in range(2)]
    assert fresh[0] != fresh[1], "two owners with no writes yet still differ"
    writes = [
        lambda a: a.set_note(w.sid, "changed"),
        lambda a: a.record_test(w.sid, 10, 2, after_position=2),
        lambda a: a.skip_trial(w.sid, 3),
        lambda a: a.update_flow(w.sid, {"step": "done"}),
        lambda a: a.set_status(w.sid, SessionStatus.FINISHED),
        lambda a: _setup(a, w.blank),
        lambda a: a.delete_session(w.blank),
        lambda a: a.create_session(planned_session()),
        lambda a: a.delete_owner_data(),
    ]
    seen = {w.alice.revision()}
    for write in writes:
        write(w.alice)
        now = w.alice.revision()
        assert now not in seen
        seen.add(now)
        assert w.bob.revision() == bob_at


@pytest.mark.postgres
def test_writers_of_different_owners_never_wait_for_each_other(pg_url, open_store):
    """Alice's write transaction, held open after its last statement (her revision bump), does not hold Bob up."""
    import threading

    from core.data.store import _bump_revision

    base = open_store(pg_url)
    alice, bob = base.for_owner(ALICE), base.for_owner(BOB)
    alice.create_session(planned_session())
    bob.create_session(planned_session())
    done = threading.Event()
    with base.engine.connect() as conn, conn.begin():
        _bump_revision(conn, ALICE)  # Alice's counter row is locked until this transaction ends
        t = threading.Thread(target=lambda: (bob.create_session(planned_session()), done.set()))
        t.start()
        t.join(timeout=10)
        assert done.is_set(), "Bob's write waited on Alice's open transaction"
    assert len(bob.list_sessions()) == 2


PEOPLES_TABLES = {"sessions", "trials", "measurements", "kneeclick_revisions"}


def unbounded_reads(node: dict) -> list[str]:
    """Scans of people's tables in a JSON plan that do not go by owner: a sequential scan, or an index scan
    with no condition on the owner (a whole index read end to end)."""
    found = []
    if node.get("Relation Name") in PEOPLES_TABLES and node["Node Type"] != "ModifyTable":
        cond = node.get("Index Cond", "") + node.get("Recheck Cond", "")
        if node["Node Type"] == "Seq Scan" or "owner" not in cond:
            found.append(f"{node['Node Type']} on {node['Relation Name']} ({cond or 'no condition'})")
    for child in node.get("Plans", []):
        found += unbounded_reads(child)
    return found


@pytest.mark.postgres
def test_every_statement_of_an_owner_reads_by_an_index_on_owner(pg_url, open_store):
    """Every statement the store sends for one owner reads people's tables through an index by owner, never
    whole: planned with sequential scans switched off (tiny tables would otherwise be read whole anyway),
    each scan of sessions, trials, measurements or revisions has a condition on the owner."""
    from sqlalchemy import event

    w = World(open_store(pg_url))
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not executemany and not statement.lstrip().upper().startswith(("COPY", "LOCK")):
            sent.append((statement, parameters))

    event.listen(w.alice.engine, "before_cursor_execute", keep)
    for name, check in CHECKS.items():
        if check is not not_owner_data and name not in ("open", "for_owner"):
            check(w)  # every public method, as Bob on Alice's data and on his own
    w.alice.latest_unfinished()
    w.alice.session_columns([w.sid])
    w.alice.delete_owner_data()
    event.remove(w.alice.engine, "before_cursor_execute", keep)

    problems = []
    with w.alice.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            cur.execute("SET enable_seqscan = off")
            for statement, parameters in sent:
                cur.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                plan = cur.fetchone()[0][0]["Plan"]
                problems += [(" ".join(statement.split())[:80], bad) for bad in unbounded_reads(plan)]
        raw.rollback()
    assert len(sent) > 50
    assert problems == []
