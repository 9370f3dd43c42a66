"""The outbox dispatcher: send the messages steps wrote, retry with back-off, give up visibly.

Messages are written in the same transaction as the change they announce (``CaseEngine.queue_message``), so a
message exists exactly when its change committed. The dispatcher claims a batch of due messages (on PostgreSQL
with ``FOR UPDATE SKIP LOCKED``, so any number of nodes may dispatch), hands each to the ``Notifier`` adapter,
and records the outcome. Delivery is at least once: a node that dies after the gateway accepted a message but
before its commit leaves the message pending, and it is sent again — with the same ``id``, which a gateway can
use to drop the repeat.

Staff messages (channel ``inbox``) go through the same adapter: a bank may forward them to its own messaging.
Customer notices that finally fail become an audit event on the case, so a breach of "customer notified" is
seen, not silent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import Clock, as_utc
from engine.models import Case, OutboxMessage
from engine.store.db import begin_write
from handlers.adapters import DeliveryFailed, Notice, Notifier

log = logging.getLogger("complaints.outbox")
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass
class DispatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retrying {self.retrying}, given up {self.failed}"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s, 1 min, 2 min … at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def dispatch(
    sessions: Callable[[], Session], clock: Clock, notifier: Notifier, *, batch: int = 50, limit: int = 1000
) -> DispatchResult:
    """Send up to ``limit`` due messages, a batch per transaction, oldest first."""
    result = DispatchResult()
    done = 0
    while done < limit:
        with sessions() as session:
            begin_write(session)
            now = as_utc(clock())
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(min(batch, limit - done))
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            messages = list(session.scalars(query))
            if not messages:
                break
            references = dict(
                session.execute(
                    select(Case.id, Case.reference).where(
                        Case.id.in_({m.case_id for m in messages if m.case_id})
                    )
                ).all()
            )
            events = [_send(m, references.get(m.case_id), notifier, now, result) for m in messages]
            audit.append(session, [e for e in events if e is not None])
            session.commit()
            done += len(messages)
    return result


def _send(
    message: OutboxMessage, reference: str | None, notifier: Notifier, now, result
) -> audit.PendingEvent | None:
    notice = Notice(
        message.id, message.channel, message.recipient, message.template, dict(message.payload), reference
    )
    message.attempts += 1
    try:
        notifier.send(notice)
    except Exception as exc:  # any failure of the gateway is retried, never lost
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if not isinstance(exc, DeliveryFailed):
            log.exception("notifier failed on outbox message %s", message.id)
        if message.attempts >= MAX_ATTEMPTS:
            message.status = FAILED
            result.failed += 1
            return audit.PendingEvent(
                now,
                "system:outbox",
                "notice.failed",
                message.case_id,
                {
                    "message": message.id,
                    "channel": message.channel,
                    "recipient": message.recipient,
                    "template": message.template,
                    "error": message.last_error,
                },
            )
        message.next_attempt_at = now + backoff(message.attempts)
        result.retrying += 1
        return None
    message.status = SENT
    message.sent_at = now
    message.last_error = None
    result.sent += 1
    if message.recipient.startswith(
        "customer:"
    ):  # what the bank told the customer belongs to the case record
        return audit.PendingEvent(
            now,
            "system:outbox",
            "notice.sent",
            message.case_id,
            {"message": message.id, "channel": message.channel, "template": message.template},
        )
    return None
