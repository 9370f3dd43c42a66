"""Signed checkpoints of the audit chain's head: what makes deleting the newest events, or re-hashing the chain
after an edit, visible.

The chain alone proves only that its rows agree with each other: whoever can write to the database can delete
the newest events, or alter one and recompute every hash after it, and the chain still verifies. A checkpoint
is a note "event ``seq`` had hash ``hash`` at ``created_at``", signed with an HMAC whose key the database does
not hold (``AUDIT_CHECKPOINT_KEY``, kept like ``SECRET_KEY``). Checkpoints are written on a schedule and after
each clean verification; a later verification finds

- truncation: a checkpoint signed an event the log no longer reaches;
- re-hashing: the event a checkpoint signed now has another hash;
- tampering with the checkpoints themselves: a bad signature, an unknown key, a hole in their numbers, or (with
  an exported copy, ``export`` / ``verify(..., exported=...)``) one that is gone from the database.

Someone who can delete rows can delete the newest checkpoints with the newest events; the exported copy, kept on
write-once storage outside the database (README: "Anchoring the audit log"), is what catches that.

The signed text is ``"{n}|{seq}|{hash}|{created_at ISO 8601}|{key_id}"`` in UTF-8; the key id is the first 16
hex digits of SHA-256 over ``"audit-checkpoint-key:" + key``, so a verifier knows which key to use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine import audit
from engine.clock import Clock, as_utc
from engine.models import AuditCheckpoint, AuditEvent

_KEY_ID_PREFIX = b"audit-checkpoint-key:"
# Without AUDIT_CHECKPOINT_KEY the key is derived from SECRET_KEY (which the database does not hold either).
_DERIVED_FROM_SECRET = b"complaints audit checkpoints"
_IN_BATCH = 500


class CheckpointKeyMissing(ValueError):
    """Neither AUDIT_CHECKPOINT_KEY nor SECRET_KEY is configured."""


@dataclass(frozen=True)
class Keys:
    """The key that signs new checkpoints, and older ones that still verify the checkpoints they signed."""

    current: bytes
    old: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def by_id(self, wanted: str) -> bytes | None:
        return next((k for k in (self.current, *self.old) if hmac.compare_digest(key_id(k), wanted)), None)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Keys:
        """``AUDIT_CHECKPOINT_KEY`` (else one derived from ``SECRET_KEY``) and ``AUDIT_CHECKPOINT_OLD_KEYS``
        (comma-separated, for rotation)."""
        current = settings.get("AUDIT_CHECKPOINT_KEY")
        if current:
            key = current.encode() if isinstance(current, str) else bytes(current)
        elif settings.get("SECRET_KEY"):
            secret = settings["SECRET_KEY"]
            secret = secret.encode() if isinstance(secret, str) else bytes(secret)
            key = hmac.new(secret, _DERIVED_FROM_SECRET, hashlib.sha256).hexdigest().encode()
        else:
            raise CheckpointKeyMissing("set AUDIT_CHECKPOINT_KEY (or SECRET_KEY) to sign audit checkpoints")
        old = settings.get("AUDIT_CHECKPOINT_OLD_KEYS") or ()
        if isinstance(old, str):
            old = [part.strip() for part in old.split(",")]
        return cls(key, tuple(k.encode() if isinstance(k, str) else bytes(k) for k in old if k))


def key_id(key: bytes) -> str:
    return hashlib.sha256(_KEY_ID_PREFIX + key).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    n: int
    seq: int
    hash: str
    created_at: datetime
    key_id: str
    mac: str

    def message(self) -> bytes:
        return f"{self.n}|{self.seq}|{self.hash}|{self.created_at.isoformat()}|{self.key_id}".encode()

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(_mac(key, self.message()), self.mac)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "created_at": self.created_at.isoformat()}, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Checkpoint:
        """One line of an exported file; ValueError naming what is wrong."""
        try:
            value = json.loads(line)
        except ValueError:
            raise ValueError("not JSON") from None
        if not isinstance(value, dict) or set(value) != {"n", "seq", "hash", "created_at", "key_id", "mac"}:
            raise ValueError("expected an object with n, seq, hash, created_at, key_id and mac")
        if not all(isinstance(value[k], int) and not isinstance(value[k], bool) for k in ("n", "seq")):
            raise ValueError("n and seq must be whole numbers")
        if not all(isinstance(value[k], str) for k in ("hash", "created_at", "key_id", "mac")):
            raise ValueError("hash, created_at, key_id and mac must be text")
        try:
            created = datetime.fromisoformat(value["created_at"])
        except ValueError:
            raise ValueError(f"created_at is not an ISO 8601 time: {value['created_at']!r}") from None
        if created.tzinfo is None:
            raise ValueError("created_at has no time zone")
        return cls(value["n"], value["seq"], value["hash"], as_utc(created), value["key_id"], value["mac"])

    @classmethod
    def of(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(row.n, row.seq, row.hash, row.created_at, row.key_id, row.mac)


def _mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def write(session: Session, clock: Clock, keys: Keys, *, unless_younger_than: timedelta | None = None):
    """Sign the chain's head now, inside the caller's write transaction (as ``audit.append``; the caller
    commits); the new ``Checkpoint``, or None when the log is empty or (with ``unless_younger_than``) the newest
    checkpoint already signs this head and is that recent."""
    if session.get_bind().dialect.name == "postgresql":
        # The chain's own lock: the head read here is the newest committed one, and two nodes never take one n.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.CHAIN_LOCK_KEY})
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    newest = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.n.desc()).limit(1))
    now = as_utc(clock())
    if head is None or (
        unless_younger_than is not None
        and newest is not None
        and (newest.seq, newest.hash) == (head.seq, head.hash)
        and now - newest.created_at < unless_younger_than
    ):
        return None
    n = (newest.n if newest is not None else 0) + 1
    unsigned = Checkpoint(n, head.seq, head.hash, now, keys.current_id, "")
    checkpoint = Checkpoint(**{**asdict(unsigned), "mac": _mac(keys.current, unsigned.message())})
    session.add(AuditCheckpoint(**asdict(checkpoint)))
    session.flush()
    return checkpoint


def stored(session: Session, after: int = 0) -> list[Checkpoint]:
    """The checkpoints in the database numbered above ``after``, in order."""
    rows = session.scalars(
        select(AuditCheckpoint).where(AuditCheckpoint.n > after).order_by(AuditCheckpoint.n)
    )
    return [Checkpoint.of(row) for row in rows]


def export(session: Session, after: int = 0) -> Iterable[str]:
    """The checkpoints as JSON lines, for a write-once store outside the database."""
    for checkpoint in stored(session, after):
        yield checkpoint.to_json()


def read_export(lines: Iterable[str]) -> list[Checkpoint]:
    """Checkpoints from an exported file; ValueError naming the first bad line."""
    found = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                found.append(Checkpoint.from_json(line))
            except ValueError as exc:
                raise ValueError(f"line {number}: {exc}") from None
    return found


@dataclass
class Report:
    """The chain's verification and what the checkpoints say about it."""

    chain: audit.Verification
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0  # valid checkpoints compared with the log
    newest: Checkpoint | None = None  # the newest valid checkpoint, before this verification
    written: Checkpoint | None = None  # the checkpoint this verification wrote (only when all was well)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def __str__(self) -> str:
        lines = [str(self.chain)]
        lines += [f"checkpoint problem: {p}" for p in self.problems]
        if self.newest is not None:
            lines.append(
                f"{self.checkpoints} signed checkpoints agree with the log; the newest before this verification "
                f"(#{self.newest.n}, {self.newest.created_at.isoformat()}) signed event {self.newest.seq}"
                if not self.problems
                else f"{self.checkpoints} signed checkpoints checked"
            )
        elif not self.problems:
            lines.append(
                "no signed checkpoint yet: truncation or re-hashing cannot be told before the first one"
            )
        if self.written is not None:
            lines.append(f"wrote checkpoint #{self.written.n} signing event {self.written.seq}")
        return "\n".join(lines)


def verify(session: Session, keys: Keys, exported: list[Checkpoint] | None = None) -> Report:
    """Verify the chain and compare it with every checkpoint (the database's, and ``exported`` ones when given).
    When the report is clean, the caller signs the head (``write``): the next verification starts from there."""
    report = Report(audit.verify(session))
    valid = _valid(session, keys, exported or [], report.problems)
    report.checkpoints = len(valid)
    report.newest = max(valid, key=lambda c: c.n, default=None)
    _compare(session, valid, report.problems)
    return report


def _valid(session: Session, keys: Keys, exported: list[Checkpoint], problems: list[str]) -> list[Checkpoint]:
    """The checkpoints whose signatures hold; every other finding about them goes to ``problems``."""
    in_database = {c.n: c for c in stored(session)}
    numbers = sorted(in_database)
    holes = [n for n in range(1, numbers[-1] + 1) if n not in in_database] if numbers else []
    exported_by_n = {c.n: c for c in exported}
    holes = [n for n in holes if n not in exported_by_n]
    if holes:
        which = f"checkpoints {_ranges(holes)} are" if len(holes) > 1 else f"checkpoint #{holes[0]} is"
        problems.append(f"{which} missing from the database (deleted)")
    for n, copy in sorted(exported_by_n.items()):
        if n not in in_database:
            problems.append(
                f"exported checkpoint #{n} (event {copy.seq}) is missing from the database (deleted)"
            )
        elif in_database[n] != copy:
            problems.append(f"checkpoint #{n} in the database differs from the exported copy (altered)")
    valid = []
    for checkpoint in sorted({**in_database, **exported_by_n}.values(), key=lambda c: c.n):
        key = keys.by_id(checkpoint.key_id)
        if key is None:
            problems.append(
                f"checkpoint #{checkpoint.n} was signed with an unknown key ({checkpoint.key_id}); "
                "add the old key to AUDIT_CHECKPOINT_OLD_KEYS, or it is forged"
            )
        elif not checkpoint.signed_by(key):
            problems.append(
                f"checkpoint #{checkpoint.n} has a signature that does not match (forged or altered)"
            )
        else:
            valid.append(checkpoint)
    return valid


def _compare(session: Session, valid: list[Checkpoint], problems: list[str]) -> None:
    """Truncation (a signed event is gone) and re-hashing (a signed event's hash changed)."""
    last = session.scalar(select(func.max(AuditEvent.seq))) or 0
    beyond = [c for c in valid if c.seq > last]
    if beyond:
        farthest = max(beyond, key=lambda c: c.seq)
        problems.append(
            f"truncated: the log ends at event {last}, but checkpoint #{farthest.n} signed event {farthest.seq} "
            f"at {farthest.created_at.isoformat()}; events {last + 1} to {farthest.seq} at least were deleted"
        )
    within = [c for c in valid if c.seq <= last]
    hashes: dict[int, str] = {}
    wanted = sorted({c.seq for c in within})
    for start in range(0, len(wanted), _IN_BATCH):
        batch = wanted[start : start + _IN_BATCH]
        hashes.update(
            session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(batch))).all()
        )
    for checkpoint in sorted(within, key=lambda c: c.seq):
        now_hash = hashes.get(checkpoint.seq)
        if now_hash is None:
            problems.append(
                f"event {checkpoint.seq}, signed by checkpoint #{checkpoint.n}, is missing (deleted)"
            )
            return
        if now_hash != checkpoint.hash:
            problems.append(
                f"re-hashed: event {checkpoint.seq} no longer has the hash checkpoint #{checkpoint.n} signed at "
                f"{checkpoint.created_at.isoformat()}; the log was rewritten at or before that event and its "
                "hashes recomputed"
            )
            return


def _ranges(numbers: list[int]) -> str:
    parts, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts.append(f"#{start}" if start == n else f"#{start}-#{n}")
            start = None
    return ", ".join(parts)
