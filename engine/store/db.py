"""Database engine and session factory, for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Row, Select, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from engine.store.writer_gate import GatedConnection, WriterGate

BUSY_SECONDS = 30  # how long a writer waits for the write lock before giving up with "database is locked"


def is_sqlite(url_or_engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else url_or_engine
    return str(url).startswith("sqlite")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings the product relies on for ``url``'s backend."""
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"timeout": BUSY_SECONDS, "factory": GatedConnection}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        # One driver for the product: psycopg 3.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    on_disk = engine.url.database not in (None, "", ":memory:")
    gate = WriterGate(os.path.abspath(engine.url.database), BUSY_SECONDS) if on_disk else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.gate = gate
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if on_disk:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write step takes the write lock up front (see begin_write). Without it two steps could both read
        # the audit chain's head and the case revision, and the later writer would fail with SQLITE_BUSY
        # half-way instead of waiting its turn. Reads stay deferred so that they never block writers.
        if not conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_connection = conn.connection.dbapi_connection
        dbapi_connection.enter_gate()  # queue behind this host's other writers (engine/store/writer_gate.py)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.leave_gate()
            raise


WRITE_OPTION = "complaints_write"


def begin_write(session: Session) -> None:
    """Start the session's write transaction: one engine step, one transaction.

    A read transaction left open by the caller (looking up the user, say) is ended first, so the step sees
    the latest committed state. On SQLite the new transaction holds the write lock from its first statement;
    on PostgreSQL the option is ignored and row locks do the work.
    """
    if in_write(session):
        return  # already inside a write transaction (the sweep's claim on a timer row, say)
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def in_write(session: Session) -> bool:
    """Whether the session is inside a write transaction begun by ``begin_write``."""
    return session.in_transaction() and bool(session.connection().get_execution_options().get(WRITE_OPTION))


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str, **kwargs) -> Database:
        engine = make_engine(url, **kwargs)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    def session(self) -> Session:
        return self.sessions()


def drain(
    sessions: Callable[[], Session],
    clock: Callable[[], datetime],
    due: Callable[[datetime], Select],
    act: Callable[[Session, Row, datetime], None],
    *,
    limit: int,
) -> int:
    """Act on due rows one at a time, oldest first, each claim and its action in one write transaction.

    ``due(now)`` selects the rows whose time has come, in order. ``act`` must commit (or raise). Returns how
    many rows were acted on. See ``drain_batches`` for the claim's guarantees.
    """
    return drain_batches(sessions, clock, due, lambda s, rows, now: act(s, rows[0], now), limit=limit, size=1)


def drain_batches(
    sessions: Callable[[], Session],
    clock: Callable[[], datetime],
    due: Callable[[datetime], Select],
    act: Callable[[Session, list[Row], datetime], None],
    *,
    limit: int,
    size: int,
) -> int:
    """Act on due rows ``size`` at a time, oldest first, each batch's claim and its action in one write
    transaction.

    On PostgreSQL the batch is claimed with ``FOR UPDATE SKIP LOCKED``, so any number of nodes can drain the
    same table and each row is acted on once; a node that dies mid-batch releases its rows to the next. On
    SQLite the write transaction holds the database's write lock, which gives the same guarantee. ``act``
    must commit (or raise). Returns how many rows were acted on (at most ``limit``).
    """
    done = 0
    while done < limit:
        with sessions() as session:
            begin_write(session)
            now = clock()
            query = due(now).limit(min(size, limit - done))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.execute(query).all())
            if not rows:
                break
            act(session, rows, now)
            done += len(rows)
    return done
