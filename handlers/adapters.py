"""Interfaces to systems outside the product, with the local defaults a development machine uses.

A bank plugs its real core banking system or knowledge service in by passing another object with the same
methods to the engine (``CaseEngine(adapters={...})``); handlers only ever see these interfaces.
"""

from __future__ import annotations

import logging
import re
import secrets
import tomllib
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

log = logging.getLogger("complaints.adapters")


class CoreBanking(Protocol):
    def request_safeguard(
        self, action: str, account: str, amount: Decimal | None, case_reference: str
    ) -> str:
        """Ask for a stop-payment or freeze on ``account``; return the core system's request reference."""

    def credit(self, account: str, amount: Decimal, reason: str, case_reference: str) -> str:
        """Pay compensation into ``account``; return the transfer reference."""


class CustomerHistory(Protocol):
    def for_customer(
        self, customer_id: str, category: str, description: str, exclude_case_id: int | None
    ) -> dict:
        """Earlier complaints, open cases, segment, risk flags and the repeat verdict for one customer."""


# What a customer the bank has never seen has on record.
NO_HISTORY = {
    "earlier": [],
    "open_cases": 0,
    "segment": "standard",
    "risk_flags": [],
    "is_repeat": False,
    "repeat_of": None,
}


class NoHistory:
    """The history of a customer the bank has never seen, whoever is asked about (dry runs, tests)."""

    def for_customer(self, customer_id, category, description, exclude_case_id) -> dict:
        return dict(NO_HISTORY)


class LocalCoreBanking:
    """Stands in for the core banking system: records requests in the log and returns a reference."""

    def request_safeguard(self, action, account, amount, case_reference):
        reference = f"SG-{secrets.token_hex(4).upper()}"
        log.info(
            "safeguard %s on %s (amount %s) for %s: %s", action, account, amount, case_reference, reference
        )
        return reference

    def credit(self, account, amount, reason, case_reference):
        reference = f"TR-{secrets.token_hex(4).upper()}"
        log.info("credit %s to %s for %s (%s): %s", amount, account, case_reference, reason, reference)
        return reference


@dataclass(frozen=True)
class Article:
    id: str
    language: str
    keywords: tuple[str, ...]
    question: str
    answer: str


class KnowledgeBase:
    """A small keyword-matched knowledge base read from a TOML file process owners edit."""

    def __init__(self, articles: list[Article], version: int | None = None):
        self.articles = articles
        # The deployed knowledge-base version these articles are (None: read from a file, never deployed).
        self.version = version

    @classmethod
    def from_file(cls, path: str | Path) -> KnowledgeBase:
        path = Path(path)
        if not path.is_file():
            log.warning("knowledge base %s not found; advisory questions will go to a person", path)
            return cls([])
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            [
                Article(
                    str(e["id"]),
                    e.get("language", "zh"),
                    tuple(k.lower() for k in e.get("keywords", [])),
                    e.get("question", ""),
                    e["answer"],
                )
                for e in data.get("entry", [])
            ]
        )

    def search(self, question: str, language: str | None = None) -> tuple[Article, float] | None:
        """The best article whose keywords appear in the question, with the share of its keywords found."""
        text = re.sub(r"\s+", " ", question.lower())
        best: tuple[Article, float] | None = None
        for article in self.articles:
            if not article.keywords:
                continue
            hits = sum(1 for k in article.keywords if k in text)
            if hits == 0:
                continue
            score = hits / len(article.keywords) + (0.01 if article.language == language else 0)
            if best is None or score > best[1]:
                best = (article, score)
        return best


@dataclass(frozen=True)
class Notice:
    """One message from the outbox, as a sender sees it; ``id`` is stable across retries (an idempotency key)."""

    id: int
    channel: str  # sms | app_push | email | phone | inbox
    recipient: str  # symbolic: customer:ID, user:ID, lane:X, role:supervisor, role:senior_manager, head:LANE
    template: str
    payload: dict
    case_reference: str | None


class DeliveryFailed(Exception):
    """The gateway refused or could not be reached; the dispatcher tries again later."""


class Notifier(Protocol):
    def send(self, notice: Notice) -> None:
        """Deliver ``notice`` or raise ``DeliveryFailed``; a gateway should drop a repeat of the same ``id``."""


class LocalNotifier:
    """Stands in for the SMS gateway, the app's push service and the mail server: logs each notice."""

    def __init__(self, keep: int = 1000):
        self.sent: deque[Notice] = deque(maxlen=keep)  # the latest, for tests and a look in a debugger

    def send(self, notice: Notice) -> None:
        log.info("notice %s via %s to %s: %s", notice.id, notice.channel, notice.recipient, notice.template)
        self.sent.append(notice)
