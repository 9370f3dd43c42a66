"""Shared fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set), a clock that
moves only when told to, and helpers to deploy test diagrams and create users.

TEST_DATABASE_URL must name a throwaway database: the suite drops and recreates its ``public`` schema.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import accounts
from engine.clock import FrozenClock
from engine.deploy import deployment
from engine.models import Base
from engine.store.db import Database, is_sqlite
from engine.store.schema import upgrade
from engine.store.serialization import SPECS
from tests.paths import CORPUS, DATA

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL")
    return (
        f"database: {'PostgreSQL (' + url + ')' if url else 'SQLite (set TEST_DATABASE_URL for PostgreSQL)'}"
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        database = Database.connect(url)
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        database = Database.connect(url)
    upgrade(database.engine)
    database.engine.dispose()
    return url


@pytest.fixture(scope="session")
def _database(database_url) -> Database:
    database = Database.connect(database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def db(_database) -> Database:
    """The test database, emptied after each test (the schema stays: migrations ran once)."""
    yield _database
    SPECS.clear()  # version ids restart in the emptied database
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with _database.engine.begin() as conn:
        if is_sqlite(_database.engine):
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        else:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def session(db):
    with db.session() as s:
        accounts.ensure_departments(s)
        s.commit()
        yield s


@pytest.fixture
def deploy(session, clock):
    """Deploy files from tests/data (names relative to it) as one bundle; returns the DeployResult."""

    def _deploy(*names: str, handlers=None, actor: str = "tests"):
        files = [(Path(n).name, (DATA / n).read_bytes()) for n in names]
        kwargs = {"handlers": handlers} if handlers is not None else {}
        return deployment.deploy(session, files, actor=actor, clock=clock, **kwargs)

    return _deploy


@pytest.fixture
def make_user(session, clock):
    def _make(username: str, role: str = "agent", departments=("frontline",), password=None):
        return accounts.create_user(
            session, clock, username=username, role=role, departments=list(departments), password=password
        )

    return _make


@pytest.fixture
def app(database_url, clock, db, tmp_path):
    from app import create_app

    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "SCHEDULER_ENABLED": False,
            "CLOCK": clock,
            "SECRET_KEY": "test",
            "ATTACHMENTS_DIR": str(tmp_path / "attachments"),  # evidence files: never into the checkout
        }
    )
    yield application
    application.extensions["database"].engine.dispose()


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside this clone (looked in {CORPUS})")
    return CORPUS


def fresh(session) -> None:
    """Forget what the session has read: end its read snapshot (if any) and expire every loaded object.

    Needed before checking what another session or process (a sweep, a thread) has written; a rollback alone
    expires nothing when no transaction is open, and expiring alone keeps an open snapshot.
    """
    session.rollback()
    session.expire_all()
