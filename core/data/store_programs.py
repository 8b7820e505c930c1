"""Programs: start, the running one per leg, list, end (a part of :class:`core.data.store.Store`).

Every read and write is the store object's owner's alone (``self.owner``): another owner's program is "not
found".  One program per owner and leg runs at a time; starting another while one runs is refused
(:class:`ProgramRunning`) unless the caller says to end the running one, which then ends in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy import exc

from core.data.schema import _utc, programs_table
from core.session.program import DEFAULT_WEEKS, Program, check_weeks
from core.session.vocabulary import MuscleGroup, Side


class ProgramRunning(ValueError):
    """A program already runs on that leg; ``current`` is it."""

    def __init__(self, current: Program) -> None:
        super().__init__(
            f"a {current.label.lower()} program already runs on the {current.side.value} leg "
            f"(since {current.start_date.isoformat()}): end it first"
        )
        self.current = current


class ProgramRecords:
    """Programs of ``self.owner`` (a part of :class:`core.data.store.Store`)."""

    def start_program(
        self,
        side: Side | str,
        muscle_group: MuscleGroup | str,
        *,
        start_date: dt.date | None = None,
        weeks: int = DEFAULT_WEEKS,
        verdict: str | None = None,
        end_current: bool = False,
    ) -> Program:
        """Start a program on ``side``; ProgramRunning if one runs there (unless ``end_current``: then that one
        ends in the same transaction).  ``start_date`` defaults to today."""
        side, group = Side(side), MuscleGroup(muscle_group)
        if group.is_control:
            raise ValueError("the rest control is not a muscle group to train")
        now = self.clock.now()
        program = Program(
            id=secrets.token_hex(6), side=side, muscle_group=group, start_date=start_date or now.date(),
            weeks=check_weeks(weeks), created_at=now, verdict=verdict,
        )  # fmt: skip
        with self._begin() as conn:
            current = self._running(conn, side, lock=True)
            if current is not None:
                if not end_current:
                    raise ProgramRunning(current)
                conn.execute(programs_table.update().where(programs_table.c.id == current.id).values(ended_at=now))
            try:
                conn.execute(
                    programs_table.insert().values(
                        id=program.id, owner=self.owner, side=side.value, muscle_group=group.value,
                        start_date=program.start_date, weeks=program.weeks, verdict=verdict, created_at=now,
                    )  # fmt: skip
                )
            except exc.IntegrityError:  # another process started one on this leg a moment ago
                raise ProgramRunning(self.active_program(side) or program) from None
        return program

    def active_program(self, side: Side | str) -> Program | None:
        """The program running on ``side`` (not ended), or None."""
        with self._connect() as conn:
            return self._running(conn, Side(side))

    def programs(self) -> list[Program]:
        """Every program of this owner, newest first (running and ended)."""
        query = (
            sa.select(programs_table)
            .where(programs_table.c.owner == self.owner)
            .order_by(programs_table.c.created_at.desc(), programs_table.c.id)
        )
        with self._connect() as conn:
            return [_program(r) for r in conn.execute(query).mappings()]

    def end_program(self, program_id: str) -> Program:
        """End a running program (today); KeyError if this owner has no such program, ValueError if it ended."""
        now = self.clock.now()
        mine = sa.and_(programs_table.c.id == program_id, programs_table.c.owner == self.owner)
        with self._begin() as conn:
            row = conn.execute(sa.select(programs_table).where(mine)).mappings().first()
            if row is None:
                raise KeyError(f"no program with id {program_id!r}")
            if row["ended_at"] is not None:
                raise ValueError("that program has already ended")
            conn.execute(programs_table.update().where(mine).values(ended_at=now))
        return _program({**row, "ended_at": now})

    def _running(self, conn: sa.Connection, side: Side, lock: bool = False) -> Program | None:
        query = sa.select(programs_table).where(
            programs_table.c.owner == self.owner,
            programs_table.c.side == side.value,
            programs_table.c.ended_at.is_(None),
        )
        if lock and conn.dialect.name != "sqlite":
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        return None if row is None else _program(row)


def _program(row) -> Program:
    start = row["start_date"]
    if isinstance(start, str):  # SQLite hands a DATE back as text through some drivers
        start = dt.date.fromisoformat(start)
    return Program(
        id=row["id"],
        side=Side(row["side"]),
        muscle_group=MuscleGroup(row["muscle_group"]),
        start_date=start,
        weeks=row["weeks"],
        created_at=_utc(row["created_at"]),
        ended_at=_utc(row["ended_at"]),
        verdict=row["verdict"],
    )
