"""What a request works with: its database session, its case engine and the app's one clock."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g
from sqlalchemy.orm import Session

from engine.cases import tracking
from engine.cases.engine import CaseEngine
from engine.clock import Clock, as_utc
from engine.models import Case
from engine.store.db import Database


def database() -> Database:
    return current_app.extensions["database"]


def session() -> Session:
    if "db_session" not in g:
        g.db_session = database().session()
    return g.db_session


def case_engine() -> CaseEngine:
    """The request's case engine, on its session and the app's clock and settings (built once per request)."""
    if "case_engine" not in g:
        g.case_engine = CaseEngine(session(), clock(), settings=current_app.config)
    return g.case_engine


def clock() -> Clock:
    """The app's clock (``CLOCK``: tests pass a frozen one); everything in web/ reads the time through it."""
    return current_app.config["CLOCK"]


def now() -> datetime:
    return as_utc(clock()())


def close_session(_exc=None) -> None:
    g.pop("case_engine", None)
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def case_for_tracking_code(code: str) -> Case:
    """The case a customer's tracking code opens (``NotFound`` alike for unknown, malformed and expired codes)."""
    days = current_app.config.get("TRACKING_DAYS_AFTER_CLOSE", tracking.DAYS_AFTER_CLOSE)
    return tracking.case_for_code(session(), code, now(), days)
