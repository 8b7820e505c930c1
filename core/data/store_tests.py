"""Tests and conditions: record a test, skip a condition, the table of every condition"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc

from core.data.schema import (
    CSV_COLUMNS,
    CSV_OPTIONAL_COLUMNS,
    StoreError,
    measurements_table,
    sessions_table,
    trials_table,
)
from core.session.vocabulary import (
    SESSION_KIND_COLUMN,
    CountMethod,
    Measurement,
    SessionKind,
    TrialStatus,
    validate_counts,
)


class TestRecords:
    """Tests and conditions: record a test, skip a condition, the table of every condition (a part of :class:`core.data.store.Store`)."""

    # ------------------------------------------------------------ measurements
    def record_test(
        self,
        session_id: str,
        reps: int,
        clicks: int,
        *,
        pain: int | None = None,
        method: CountMethod = CountMethod.TAP,
        after_position: int | None = None,
    ) -> Measurement:
        """Store one test, committed at once.

        ``after_position=None`` records the baseline (or any test not tied to a
        condition).  With a position, the test is the retest after that
        condition: the condition is marked done and linked to the test just
        before it (the latest one stored) and to this one.
        """
        validate_counts(reps, clicks)
        if pain is not None and not 0 <= pain <= 10:
            raise ValueError(f"pain must be 0-10, got {pain}")
        now = self.clock.now()
        for _attempt in range(5):
            try:
                with self._begin() as conn:
                    self._require(conn, session_id, lock=True)
                    last = conn.execute(
                        sa.select(sa.func.max(measurements_table.c.seq)).where(
                            self._mine(measurements_table), measurements_table.c.session_id == session_id
                        )
                    ).scalar_one()
                    seq = 0 if last is None else last + 1
                    conn.execute(
                        measurements_table.insert().values(
                            owner=self.owner,
                            session_id=session_id,
                            seq=seq,
                            reps=reps,
                            clicks=clicks,
                            pain=pain,
                            method=CountMethod(method).value,
                            recorded_at=now,
                        )
                    )
                    if after_position is not None:
                        if last is None:
                            raise ValueError("a retest needs a baseline test before it")
                        updated = conn.execute(
                            trials_table.update()
                            .where(
                                self._mine(trials_table),
                                trials_table.c.session_id == session_id,
                                trials_table.c.position == after_position,
                            )
                            .values(
                                status=TrialStatus.DONE.value,
                                before_seq=last,
                                after_seq=seq,
                                updated_at=now,
                            )
                        ).rowcount
                        if updated != 1:
                            raise KeyError(f"session {session_id} has no condition at position {after_position}")
                return Measurement(seq=seq, reps=reps, clicks=clicks, pain=pain, method=method, recorded_at=now)
            except exc.IntegrityError:
                continue  # another writer took this seq a moment ago: take the next one
        raise StoreError("Could not record the test: the store kept changing underneath. Try again.")

    def skip_trial(self, session_id: str, position: int) -> None:
        """Mark a condition skipped (never recorded as zero clicks)."""
        with self._begin() as conn:
            self._require(conn, session_id)
            updated = conn.execute(
                trials_table.update()
                .where(
                    self._mine(trials_table),
                    trials_table.c.session_id == session_id,
                    trials_table.c.position == position,
                )
                .values(status=TrialStatus.SKIPPED.value, updated_at=self.clock.now())
            ).rowcount
            if updated != 1:
                raise KeyError(f"session {session_id} has no condition at position {position}")


    # ------------------------------------------------------------------ tables
    def trials_frame(
        self,
        session_ids: Sequence[str] | None = None,
        *,
        source: Iterable[str] | None = None,
        checks: bool = False,
        baselines: bool = False,
    ) -> pd.DataFrame:
        """Every completed condition as one row of the CSV schema (plus pain and notes).

        Rows come ordered by session date, session id and position.  Skipped and
        planned conditions have no counts and are left out.

        ``checks=True`` adds the quick checks (a session with a baseline test and no conditions): one row each,
        its test as ``reps_before``/``clicks_before``/``pain_before`` and no condition (``position``,
        ``muscle_group``, ``stretch_seconds`` and the after-test empty), and a ``session_kind`` column
        (``full`` or ``quick_check``); the condition columns are then nullable integers.

        ``baselines=True`` (with ``checks=True``; for the trend, not for a CSV file, whose rows are conditions
        and quick checks) also adds a row, shaped like a quick check's but of kind ``full``, for each full
        session with a baseline test and no completed condition: above all one stopped because its baseline
        had no clicks, which is the very result a trend must not leave out.
        """
        if baselines and not checks:
            raise ValueError("baselines=True needs checks=True")
        m_before = measurements_table.alias("mb")
        m_after = measurements_table.alias("ma")
        s, t = sessions_table, trials_table
        query = (
            sa.select(
                s.c.id.label("session_id"),
                s.c.session_date,
                s.c.side,
                s.c.movement,
                t.c.position,
                t.c.muscle_group,
                t.c.stretch_seconds,
                m_before.c.reps.label("reps_before"),
                m_before.c.clicks.label("clicks_before"),
                m_after.c.reps.label("reps_after"),
                m_after.c.clicks.label("clicks_after"),
                m_before.c.pain.label("pain_before"),
                m_after.c.pain.label("pain_after"),
                t.c.notes,
            )
            .select_from(
                t.join(s, (s.c.owner == t.c.owner) & (s.c.id == t.c.session_id))
                .join(m_before, _same_session(m_before, t) & (m_before.c.seq == t.c.before_seq))
                .join(m_after, _same_session(m_after, t) & (m_after.c.seq == t.c.after_seq))
            )
            .where(self._mine(t), t.c.status == TrialStatus.DONE.value)
            .order_by(s.c.session_date, s.c.id, t.c.position)
        )
        if session_ids is not None:
            query = query.where(s.c.id.in_(list(session_ids)))
        if source is not None:
            query = query.where(s.c.source.in_(list(source)))
        columns = list(CSV_COLUMNS) + list(CSV_OPTIONAL_COLUMNS)
        with self._connect() as conn:
            rows = conn.execute(query).all()
            quick = conn.execute(self._quick_check_query(session_ids, source, baselines)).all() if checks else []
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        ints = ("position", "stretch_seconds", "reps_before", "clicks_before", "reps_after", "clicks_after")
        if checks:
            frame[SESSION_KIND_COLUMN] = SessionKind.FULL.value
            found = pd.DataFrame(
                [(sid, date, side, mv, None, None, None, reps, clicks, None, None, pain, None, None,
                  SessionKind.FULL.value if has_trials else SessionKind.QUICK_CHECK.value)
                 for sid, date, side, mv, reps, clicks, pain, has_trials in quick],
                columns=[*columns, SESSION_KIND_COLUMN],
            )  # fmt: skip
            if len(found):
                frame = pd.concat([frame.astype(object), found.astype(object)], ignore_index=True)
                frame = frame.sort_values(["session_date", "session_id", "position"], kind="stable", na_position="first")
                frame = frame.reset_index(drop=True)
            for col in ("position", "stretch_seconds", "reps_after", "clicks_after"):
                frame[col] = frame[col].astype("Int64")
            ints = ("reps_before", "clicks_before")
        for col in ints:
            frame[col] = frame[col].astype("int64")
        for col in ("pain_before", "pain_after"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def _quick_check_query(self, session_ids: Sequence[str] | None, source: Iterable[str] | None, baselines: bool):
        """This owner's quick checks: sessions with a baseline test (seq 0) and no condition at all; with
        ``baselines``, also full sessions with a baseline and no completed condition (``has_trials`` true)."""
        s, t, m = sessions_table, trials_table, measurements_table
        own = (t.c.owner == s.c.owner) & (t.c.session_id == s.c.id)
        has_trials = sa.exists().where(own)
        none_done = ~sa.exists().where(own, t.c.status == TrialStatus.DONE.value)
        query = (
            sa.select(s.c.id, s.c.session_date, s.c.side, s.c.movement, m.c.reps, m.c.clicks, m.c.pain,
                      has_trials.label("has_trials"))  # fmt: skip
            .select_from(s.join(m, (m.c.owner == s.c.owner) & (m.c.session_id == s.c.id) & (m.c.seq == 0)))
            .where(self._mine(s), none_done if baselines else ~has_trials)
            .order_by(s.c.session_date, s.c.id)
        )
        if session_ids is not None:
            query = query.where(s.c.id.in_(list(session_ids)))
        if source is not None:
            query = query.where(s.c.source.in_(list(source)))
        return query


def _same_session(m: sa.Table, t: sa.Table):
    """A measurements row (alias) of the trial's own session: owner and session id both match."""
    return (m.c.owner == t.c.owner) & (m.c.session_id == t.c.session_id)
