"""Signed checkpoints of the audit chain's head: deleting the newest events, or altering one and re-hashing the
rest, passes the chain check but not the checkpoints; forged, unknown-key and deleted checkpoints are named."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from engine import audit
from engine.audit import checkpoints
from engine.models import AuditCheckpoint, AuditEvent
from engine.store.db import begin_write

KEYS = checkpoints.Keys(b"k" * 32)


def add_events(session, clock, count: int, start: int = 0) -> None:
    begin_write(session)
    audit.append(
        session,
        [audit.PendingEvent(clock(), "tester", "note", None, {"n": start + i}) for i in range(count)],
    )
    session.commit()


def sign(session, clock, keys=KEYS, **kwargs):
    begin_write(session)
    written = checkpoints.write(session, clock, keys, **kwargs)
    session.commit()
    return written


def rehash_from(session, first: int) -> None:
    """What someone with write access to the database can do: recompute every hash from ``first`` on."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.seq >= first).order_by(AuditEvent.seq)).all()
    prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == first - 1)) or audit.GENESIS
    for event in events:
        digest = audit.event_hash(
            prev, event.seq, event.occurred_at, event.actor, event.kind, event.case_id, event.payload
        )
        event.prev_hash, event.hash, prev = prev, digest, digest
    session.commit()


@pytest.fixture
def log(session, clock):
    add_events(session, clock, 10)
    clock.advance(minutes=15)
    sign(session, clock)  # #1 signs event 10
    add_events(session, clock, 5, 10)
    clock.advance(minutes=15)
    sign(session, clock)  # #2 signs event 15
    add_events(session, clock, 3, 15)  # 18 events, the last three not signed yet
    return session


def test_an_untouched_log_agrees_with_its_checkpoints(log):
    report = checkpoints.verify(log, KEYS)
    assert report.ok and report.problems == []
    assert report.checkpoints == 2 and report.newest.seq == 15
    assert "2 signed checkpoints agree with the log" in str(report)


def test_deleting_the_newest_events_passes_the_chain_but_is_reported_as_truncation(log):
    log.execute(delete(AuditEvent).where(AuditEvent.seq > 12))
    log.commit()
    report = checkpoints.verify(log, KEYS)
    assert report.chain.ok  # what the chain alone says: nothing wrong
    assert not report.ok
    [problem] = report.problems
    assert problem.startswith("truncated: the log ends at event 12, but checkpoint #2 signed event 15")


def test_an_edit_followed_by_re_hashing_passes_the_chain_but_not_the_checkpoints(log):
    log.execute(update(AuditEvent).where(AuditEvent.seq == 12).values(payload={"n": "forged"}))
    log.commit()
    rehash_from(log, 12)
    report = checkpoints.verify(log, KEYS)
    assert report.chain.ok
    [problem] = report.problems
    assert problem.startswith("re-hashed: event 15 no longer has the hash checkpoint #2 signed")


def test_truncating_and_refilling_to_the_same_length_is_caught_too(log, clock):
    log.execute(delete(AuditEvent).where(AuditEvent.seq > 8))
    log.commit()
    add_events(log, clock, 10, 100)  # new events take the deleted numbers
    report = checkpoints.verify(log, KEYS)
    assert report.chain.ok
    assert [p.split(":")[0] for p in report.problems] == ["re-hashed"]
    assert "event 10" in report.problems[0]


def test_a_forged_checkpoint_is_refused_and_a_deleted_one_leaves_a_hole(log, clock):
    forged = replace(checkpoints.Checkpoint.of(log.get(AuditCheckpoint, 2)), hash="f" * 64)
    log.execute(update(AuditCheckpoint).where(AuditCheckpoint.n == 2).values(hash=forged.hash))
    log.commit()
    report = checkpoints.verify(log, KEYS)
    assert report.problems == ["checkpoint #2 has a signature that does not match (forged or altered)"]

    sign(log, clock)  # #3
    log.execute(delete(AuditCheckpoint).where(AuditCheckpoint.n <= 2))
    log.commit()
    assert checkpoints.verify(log, KEYS).problems == [
        "checkpoints #1-#2 are missing from the database (deleted)"
    ]


def test_checkpoints_signed_with_an_old_key_verify_after_rotation_and_unknown_keys_are_named(log, clock):
    rotated = checkpoints.Keys(b"n" * 32, old=(KEYS.current,))
    sign(log, clock, rotated)
    assert checkpoints.verify(log, rotated).ok
    report = checkpoints.verify(log, checkpoints.Keys(b"n" * 32))
    assert len(report.problems) == 2
    assert all("signed with an unknown key" in p for p in report.problems)


def test_an_exported_copy_catches_checkpoints_deleted_with_the_events(log):
    exported = checkpoints.read_export(list(checkpoints.export(log)))
    assert [c.n for c in exported] == [1, 2]
    # Whoever deletes the newest events deletes the newest checkpoint too: the database alone looks fine.
    log.execute(delete(AuditEvent).where(AuditEvent.seq > 12))
    log.execute(delete(AuditCheckpoint).where(AuditCheckpoint.n == 2))
    log.commit()
    assert checkpoints.verify(log, KEYS).ok
    report = checkpoints.verify(log, KEYS, exported)
    assert report.problems[0] == "exported checkpoint #2 (event 15) is missing from the database (deleted)"
    assert report.problems[1].startswith("truncated: the log ends at event 12")


def test_the_schedule_skips_a_head_that_was_signed_recently(log, clock):
    assert sign(log, clock).n == 3  # signs event 18
    assert sign(log, clock, unless_younger_than=timedelta(minutes=15)) is None
    clock.advance(minutes=16)
    assert sign(log, clock, unless_younger_than=timedelta(minutes=15)).n == 4
    add_events(log, clock, 1, 50)
    assert sign(log, clock, unless_younger_than=timedelta(minutes=15)).seq == 19


def test_an_empty_log_has_nothing_to_sign(session, clock):
    assert sign(session, clock) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1: not JSON"),
        ('{"n": 1}', "line 1: expected an object"),
        (
            '{"n": "1", "seq": 1, "hash": "h", "created_at": "2026-03-02T01:00:00+00:00", "key_id": "k", "mac": "m"}',
            "line 1: n and seq must be whole numbers",
        ),
        (
            '{"n": 1, "seq": 1, "hash": "h", "created_at": "yesterday", "key_id": "k", "mac": "m"}',
            "line 1: created_at is not an ISO 8601 time",
        ),
    ],
)
def test_a_bad_export_line_is_named(line, message):
    with pytest.raises(ValueError, match=message):
        checkpoints.read_export([line])


def test_keys_come_from_the_settings_or_from_the_secret_key():
    derived = checkpoints.Keys.from_settings({"SECRET_KEY": "s"})
    assert derived.current not in (b"s", b"") and derived == checkpoints.Keys.from_settings(
        {"SECRET_KEY": "s"}
    )
    own = checkpoints.Keys.from_settings(
        {"SECRET_KEY": "s", "AUDIT_CHECKPOINT_KEY": "a", "AUDIT_CHECKPOINT_OLD_KEYS": "b, c"}
    )
    assert (own.current, own.old) == (b"a", (b"b", b"c"))
    with pytest.raises(checkpoints.CheckpointKeyMissing):
        checkpoints.Keys.from_settings({})
