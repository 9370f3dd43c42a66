"""The outbox dispatcher: sends what steps wrote, retries with back-off, gives up visibly, never loses one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import audit
from engine.messaging import outbox
from engine.models import AuditEvent, OutboxMessage
from handlers.adapters import DeliveryFailed, LocalNotifier
from tests.conftest import fresh


class FlakyGateway:
    """Refuses the first ``failures`` sends, then accepts."""

    def __init__(self, failures: int):
        self.failures = failures
        self.sent = []

    def send(self, notice):
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("gateway busy")
        self.sent.append(notice)


def queue(session, clock, n=1, recipient="customer:1", channel="sms"):
    for i in range(n):
        session.add(
            OutboxMessage(
                case_id=None,
                channel=channel,
                recipient=recipient,
                template=f"t{i}",
                payload={"i": i},
                created_at=clock(),
                next_attempt_at=clock(),
            )
        )
    session.commit()


def rows(session):
    fresh(session)
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_due_messages_are_sent_once_in_order_and_marked(db, session, clock):
    queue(session, clock, 3)
    notifier = LocalNotifier()
    result = outbox.dispatch(db.session, clock, notifier, batch=2)
    assert (result.sent, result.retrying, result.failed) == (3, 0, 0)
    assert [n.template for n in notifier.sent] == ["t0", "t1", "t2"]
    assert all(m.status == "sent" and m.sent_at == clock() and m.attempts == 1 for m in rows(session))
    assert outbox.dispatch(db.session, clock, notifier).sent == 0  # nothing is sent twice
    kinds = [e.kind for e in session.scalars(select(AuditEvent))]
    assert kinds.count("notice.sent") == 3  # what the customer was told is on the record
    assert audit.verify(session).ok


def test_a_refused_message_waits_longer_each_time_and_then_goes(db, session, clock):
    queue(session, clock)
    gateway = FlakyGateway(failures=2)
    assert outbox.dispatch(db.session, clock, gateway).retrying == 1
    [message] = rows(session)
    assert message.status == "pending" and message.last_error == "DeliveryFailed: gateway busy"
    assert message.next_attempt_at == clock() + timedelta(seconds=30)
    assert outbox.dispatch(db.session, clock, gateway).retrying == 0  # not due yet
    clock.advance(timedelta(seconds=30))
    outbox.dispatch(db.session, clock, gateway)
    assert rows(session)[0].next_attempt_at == clock() + timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    assert outbox.dispatch(db.session, clock, gateway).sent == 1
    assert [n.template for n in gateway.sent] == ["t0"]


def test_a_message_that_never_goes_through_is_given_up_with_an_audit_event(db, session, clock):
    queue(session, clock)
    gateway = FlakyGateway(failures=100)
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.dispatch(db.session, clock, gateway)
        clock.advance(outbox.LONGEST_WAIT)
    [message] = rows(session)
    assert message.status == "failed" and message.attempts == outbox.MAX_ATTEMPTS
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.kind == "notice.failed"))
    assert event.payload["recipient"] == "customer:1"


def test_a_crashing_adapter_is_retried_like_a_refusal(db, session, clock):
    class Broken:
        def send(self, notice):
            raise RuntimeError("socket closed")

    queue(session, clock)
    assert outbox.dispatch(db.session, clock, Broken()).retrying == 1
    assert rows(session)[0].last_error == "RuntimeError: socket closed"


@pytest.mark.parametrize("attempts, wait", [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)])
def test_backoff_doubles_up_to_an_hour(attempts, wait):
    assert outbox.backoff(attempts) == timedelta(seconds=wait)


def test_staff_messages_are_sent_without_filling_the_audit_log(db, session, clock):
    queue(session, clock, 2, recipient="user:7", channel="inbox")
    assert outbox.dispatch(db.session, clock, LocalNotifier()).sent == 2
    assert not list(session.scalars(select(AuditEvent).where(AuditEvent.kind == "notice.sent")))
