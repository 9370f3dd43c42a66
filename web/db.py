"""Per-request database session and engine service, reached through the app's extensions."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from engine.cases.engine import CaseEngine
from engine.store.db import Database


def database() -> Database:
    return current_app.extensions["database"]


def session() -> Session:
    if "db_session" not in g:
        g.db_session = database().session()
    return g.db_session


def case_engine() -> CaseEngine:
    return CaseEngine(session(), current_app.config["CLOCK"], settings=current_app.config)


def close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
