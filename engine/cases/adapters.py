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
from engine.knowledge import base as knowledge
from handlers.adapters import KnowledgeBase, LocalCoreBanking

DEFAULT_KNOWLEDGE_BASE = processes.KNOWLEDGE_BASE


@functools.lru_cache(maxsize=8)
def _knowledge_base(path: str, mtime: float) -> KnowledgeBase:
    return KnowledgeBase.from_file(path)


def default_adapters(session: Session, clock: Clock, settings: dict[str, Any]) -> dict[str, Any]:
    """The adapters a development machine uses; a bank passes its own to ``CaseEngine(adapters=...)``."""
    return {
        "core_banking": settings.get("CORE_BANKING") or LocalCoreBanking(),
        "knowledge_base": DeployedKnowledgeBase(session, settings),
        "history": SqlCustomerHistory(session, clock, int(settings.get("REPEAT_WINDOW_DAYS", 30))),
    }


class DeployedKnowledgeBase:
    """The knowledge base ``kb_answer`` searches: the newest deployed version, read when a question is asked
    (inside the step's transaction). Before any version was deployed, the file ``KNOWLEDGE_BASE`` (by default
    the shipped one), so that a fresh database still answers advisory questions."""

    def __init__(self, session: Session, settings: dict[str, Any]):
        self.session = session
        self.settings = settings

    def current(self) -> KnowledgeBase:
        deployed = knowledge.deployed_base(self.session)
        if deployed is not None:
            return deployed
        kb_path = Path(self.settings.get("KNOWLEDGE_BASE") or DEFAULT_KNOWLEDGE_BASE)
        mtime = kb_path.stat().st_mtime if kb_path.is_file() else 0.0
        return _knowledge_base(str(kb_path), mtime)

    @property
    def articles(self):
        return self.current().articles

    def search(self, question: str, language: str | None = None):
        return self.current().search(question, language)


@functools.lru_cache(maxsize=8)
def _calendar(key: str) -> BusinessCalendar:
    return calendar_from_settings(json.loads(key))


def calendar_for(settings: dict[str, Any]) -> BusinessCalendar:
    """The bank's business calendar for these settings, built once (it warns once about years it lacks)."""
    names = ("CALENDAR", "TIMEZONE", "BUSINESS_HOURS", "CALENDAR_OVERRIDES")
    return _calendar(json.dumps({n: settings.get(n) for n in names}, sort_keys=True, default=str))
