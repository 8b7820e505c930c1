"""Schema 1, frozen: the tables exactly as kneeclick defined them before issue 11 (core/data/schema.py at commit
8e4d114), copied here by hand so the migration tests start from a store the new code did not make.  Never edit."""

import sqlalchemy as sa

metadata = sa.MetaData()

meta_table = sa.Table(
    "kneeclick_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

sessions_table = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("session_date", sa.String(32), nullable=False),
    sa.Column("side", sa.String(8), nullable=False),
    sa.Column("movement", sa.String(32), nullable=False),
    sa.Column("reps_per_test", sa.Integer, nullable=False),
    sa.Column("stretch_seconds", sa.Integer, nullable=False),
    sa.Column("order_seed", sa.BigInteger),
    sa.Column("randomized", sa.Boolean, nullable=False, default=True),
    sa.Column("planned_order", sa.JSON, nullable=False),
    sa.Column("safety", sa.JSON),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("stop_reason", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("notes", sa.Text),
    sa.Column("source", sa.String(16), nullable=False, default="app"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

measurements_table = sa.Table(
    "measurements",
    metadata,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("reps", sa.Integer, nullable=False),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("pain", sa.Integer),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

trials_table = sa.Table(
    "trials",
    metadata,
    sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("muscle_group", sa.String(32), nullable=False),
    sa.Column("stretch_seconds", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("before_seq", sa.Integer),
    sa.Column("after_seq", sa.Integer),
    sa.Column("notes", sa.Text),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)


def create_v1_store(url: str, revision: int = 0, store_id: str = "frozenv1store") -> sa.Engine:
    """A schema-1 store at ``url`` with its meta rows as kneeclick 1 wrote them; returns its engine."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys = ON"))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            meta_table.insert(),
            [
                {"key": "schema_version", "value": "1"},
                {"key": "store_id", "value": store_id},
                {"key": "revision", "value": str(revision)},
            ],
        )
    return engine
