"""The adapters a case engine uses when the caller passes none: local stand-ins for outside systems."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import processes
from engine.calendar.business import BusinessCalendar, calendar_from_settings
from engine.cases.history import SqlCustomerHistory
from engine.clock import Clock
from handlers.adapters import KnowledgeBase, LocalCoreBanking

DEFAULT_KNOWLEDGE_BASE = processes.KNOWLEDGE_BASE


@functools.lru_cache(maxsize=8)
def _knowledge_base(path: str, mtime: float) -> KnowledgeBase:
    return KnowledgeBase.from_file(path)


def default_adapters(session: Session, clock: Clock, settings: dict[str, Any]) -> dict[str, Any]:
    """The adapters a development machine uses; a bank passes its own to ``CaseEngine(adapters=...)``."""
    kb_path = Path(settings.get("KNOWLEDGE_BASE") or DEFAULT_KNOWLEDGE_BASE)
    mtime = kb_path.stat().st_mtime if kb_path.is_file() else 0.0
    return {
        "core_banking": settings.get("CORE_BANKING") or LocalCoreBanking(),
        "knowledge_base": _knowledge_base(str(kb_path), mtime),
        "history": SqlCustomerHistory(session, clock, int(settings.get("REPEAT_WINDOW_DAYS", 30))),
    }


@functools.lru_cache(maxsize=8)
def _calendar(key: str) -> BusinessCalendar:
    return calendar_from_settings(json.loads(key))


def calendar_for(settings: dict[str, Any]) -> BusinessCalendar:
    """The bank's business calendar for these settings, built once (it warns once about years it lacks)."""
    names = ("CALENDAR", "TIMEZONE", "BUSINESS_HOURS", "CALENDAR_OVERRIDES")
    return _calendar(json.dumps({n: settings.get(n) for n in names}, sort_keys=True, default=str))
