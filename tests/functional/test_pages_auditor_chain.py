"""The audit log verification page: intact or broken (naming the first broken event), remembered for a minute."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete, select, update

from engine.models import AuditEvent
from tests.functional.pages_support import Browser
from tests.functional.test_api_support import start

CHAIN = "/auditor/chain"


@pytest.fixture
def api(app, session, clock):
    api = start(app, session, clock)
    api.file()
    api.file(customer="C-002", category="service_attitude", description="The teller was rude to me")
    return api


def chain_page(app, api, who: str = "aud", language: str = "en") -> tuple[int, str]:
    page = Browser(app, language=language).as_user(api.users[who].id).get(CHAIN)
    return page.status_code, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_an_intact_log_says_so_with_the_count_and_the_head_hash(app, api, session):
    session.rollback()  # see what the requests wrote
    head = session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))

    status, text = chain_page(app, api)

    assert status == 200
    assert "✔ The audit log is intact" in text
    assert f"{head.seq} events verified" in text
    assert f"Head of the chain #{head.seq} {head.hash}" in text
    assert "Verified at 2026-03-02 09:00" in text and "Verified just now." in text


def test_an_altered_event_is_named_with_the_events_before_it(app, api, session, clock):
    session.execute(
        update(AuditEvent).where(AuditEvent.seq == 7).values(payload={"task": "something else entirely"})
    )
    session.commit()
    good = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 6))

    status, text = chain_page(app, api)

    assert status == 200 and "✖ The audit log is broken" in text
    assert "Event 7 has been changed: its content no longer matches its hash." in text
    assert "The 6 events before it are intact" in text
    assert "First broken event #7" in text and f"Last intact event #6 {good}" in text


def test_a_removed_event_is_named(app, api, session):
    session.execute(delete(AuditEvent).where(AuditEvent.seq == 9))
    session.commit()
    _, text = chain_page(app, api)
    assert "Event 9 is missing from the log." in text and "First broken event #9" in text


def test_the_result_is_remembered_for_a_minute_then_verified_again(app, api, session, clock):
    _, first = chain_page(app, api)
    assert "intact" in first
    session.execute(update(AuditEvent).where(AuditEvent.seq == 8).values(actor="mallory"))
    session.commit()

    clock.advance(seconds=59)
    _, remembered = chain_page(app, api)
    assert "intact" in remembered and "shown again" in remembered
    assert "Verified at 2026-03-02 09:00" in remembered

    clock.advance(seconds=2)
    _, again = chain_page(app, api)
    assert "✖ The audit log is broken" in again and "Event 8 has been changed" in again
    assert "Verified at 2026-03-02 09:01" in again


def test_an_empty_log_is_intact(app, session, clock, make_user):
    auditor = make_user("xu", role="auditor", departments=())
    session.execute(delete(AuditEvent))
    session.commit()
    page = Browser(app).as_user(auditor.id).get(CHAIN)
    assert page.status_code == 200 and "The audit log is intact" in page.text and "no events yet" in page.text


def test_administrators_may_check_the_log_and_supervisors_may_not(app, api):
    assert chain_page(app, api, who="adam")[0] == 200
    assert chain_page(app, api, who="sue")[0] == 403


def test_checking_the_log_changes_nothing(app, api, session):
    before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    chain_page(app, api)
    session.rollback()
    assert session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) == before


def test_the_verification_reads_in_chinese(app, api, session):
    session.execute(update(AuditEvent).where(AuditEvent.seq == 7).values(kind="task.forged"))
    session.commit()
    _, text = chain_page(app, api, language="zh_CN")
    assert "✖ 审计日志已损坏" in text and "第 7 条事件已被改动" in text and "首个损坏的事件 #7" in text


def test_deleting_the_newest_events_after_a_checkpoint_shows_the_log_broken(app, api, session, clock):
    from web.auditor.chain import sign_head

    session.rollback()
    signed = sign_head(session, clock, app.config)
    session.execute(delete(AuditEvent).where(AuditEvent.seq > signed.seq - 2))
    session.commit()

    status, text = chain_page(app, api)

    assert status == 200
    assert "✖ The audit log is broken" in text
    assert "The chain agrees with itself but not with its signed checkpoints" in text
    assert (
        f"truncated: the log ends at event {signed.seq - 2}, but checkpoint #1 signed event {signed.seq}"
        in text
    )
    assert "Signed checkpoints compared 1" in text
