"""The audit chain's verification for the auditor's page, remembered for a minute.

Verifying recomputes every event's hash from the first (``engine.audit.verify``), so its cost grows with the
log. The page keeps the last result for ``max_age`` and verifies again when it is older; one verification runs
at a time per process, and requests that arrive meanwhile wait for it and share its answer, so a busy page
never starts a pile of them. No Flask here: the session and the time are passed in.

Also the signed checkpoints of the chain's head (``engine/audit/checkpoints.py``) as the operator's commands
and the scheduler use them: sign the head in a write transaction of its own, and verify against them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.audit import checkpoints
from engine.clock import Clock
from engine.models import AuditEvent
from engine.store.db import begin_write

MAX_AGE = timedelta(minutes=1)


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    checked: int  # events verified intact, from the first
    head_seq: int | None  # the last intact event
    head_hash: str | None
    broken_seq: int | None
    problem: str  # "missing", "link" or "altered" when broken; the engine's own words are in ``reason``
    reason: str
    verified_at: datetime
    seconds: float  # how long the verification took
    # What the signed checkpoints say (truncation, re-hashing, tampered checkpoints), in the engine's words;
    # empty when they agree with the log, or when no key was given.
    checkpoint_problems: tuple[str, ...] = ()
    checkpoints: int = 0  # valid checkpoints compared with the log

    @property
    def intact(self) -> bool:
        return self.ok and not self.checkpoint_problems


def verify(session: Session, now: datetime, config: dict | None = None) -> ChainStatus:
    """Verify the whole chain now; with ``config`` (the checkpoint key), against its signed checkpoints too."""
    started = time.perf_counter()
    report = None
    if config is not None:
        report = checkpoints.verify(session, checkpoints.Keys.from_settings(config))
        result = report.chain
    else:
        result = audit.verify(session)
    seconds = time.perf_counter() - started
    head = None
    if result.checked:
        # The hash of the last event found intact: what a later verification must still arrive at.
        head = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == result.checked))
    return ChainStatus(
        ok=result.ok,
        checked=result.checked,
        head_seq=result.checked or None,
        head_hash=head,
        broken_seq=result.broken_seq,
        problem=_problem(result.reason),
        reason=result.reason,
        verified_at=now,
        seconds=seconds,
        checkpoint_problems=tuple(report.problems) if report else (),
        checkpoints=report.checkpoints if report else 0,
    )


def _problem(reason: str) -> str:
    if not reason:
        return ""
    if "missing" in reason:
        return "missing"
    if "previous event" in reason:
        return "link"
    return "altered"


class ChainMonitor:
    """The last verification, kept for ``max_age``; one per app."""

    def __init__(self, max_age: timedelta = MAX_AGE):
        self.max_age = max_age
        self._last: ChainStatus | None = None
        self._lock = threading.Lock()

    def status(self, session: Session, now: datetime, config: dict | None = None) -> tuple[ChainStatus, bool]:
        """The chain's status and whether it was remembered (True) or verified for this request (False)."""
        with self._lock:
            last = self._last
            if last is not None and timedelta(0) <= now - last.verified_at < self.max_age:
                return last, True
            self._last = verify(session, now, config)
            return self._last, False


# ------------------------------------------------------------------ signed checkpoints


def sign_head(
    session: Session, clock: Clock, config: dict, *, unless_younger_than: timedelta | None = None
) -> checkpoints.Checkpoint | None:
    """Sign the chain's head now (what the scheduler does every AUDIT_CHECKPOINT_MINUTES), in its own commit."""
    begin_write(session)
    written = checkpoints.write(
        session, clock, checkpoints.Keys.from_settings(config), unless_younger_than=unless_younger_than
    )
    session.commit()
    return written


def verify_anchored(
    session: Session, clock: Clock, config: dict, exported: list[checkpoints.Checkpoint] | None = None
) -> checkpoints.Report:
    """Verify the chain against every checkpoint (and ``exported`` ones); sign the head when all is well."""
    report = checkpoints.verify(session, checkpoints.Keys.from_settings(config), exported)
    session.rollback()  # end the read transaction before the write
    if report.ok:
        report.written = sign_head(session, clock, config)
    return report
