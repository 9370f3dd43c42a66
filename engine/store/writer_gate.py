"""A queue for SQLite's writers: waiting writers wake when the write lock is free, instead of sleeping blind.

SQLite lets one connection write at a time. A connection that finds the write lock taken retries in its busy
handler with sleeps that grow from 1 ms to 100 ms, so under steady contention the lock sits idle while waiting
writers sleep, and a write step of 5 ms can wait hundreds. Every write step (``begin_write``) therefore passes
this gate before its ``BEGIN IMMEDIATE``:

- inside one process, writers queue on a ``threading.Lock``, which hands over as soon as it is released;
- across processes sharing the database file (gunicorn workers, the scheduler, the CLI), the one writer a
  process lets through takes an exclusive ``flock`` on ``<database>-writer``, polled every half millisecond.

The gate is released right after the transaction's COMMIT or ROLLBACK has returned, by the DBAPI connection
itself (``GatedConnection``), so the next writer never finds SQLite's own lock still held. It only orders the
writers that announce themselves; SQLite's lock stays what guarantees one writer, and the busy timeout still
covers anyone writing without the gate (an ad-hoc ``sqlite3`` shell, a migration).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref

POLL_SECONDS = 0.0005
_GATES: weakref.WeakSet[WriterGate] = weakref.WeakSet()


class WriterGate:
    """One per database file and process."""

    def __init__(self, database_path: str, timeout: float):
        self.path = database_path + "-writer"
        self.timeout = timeout
        self._reset()
        _GATES.add(self)

    def _reset(self) -> None:
        # A forked child (a gunicorn worker) gets its own lock and its own open file: flock locks belong to
        # the open file, so a child sharing its parent's would let the parent's writers through.
        self._threads = threading.Lock()
        self._fd: int | None = None

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise _busy()
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _busy() from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


def _busy() -> sqlite3.OperationalError:
    # What SQLite itself says when its busy timeout runs out, so callers see one error for one condition.
    return sqlite3.OperationalError("database is locked")


def _after_fork_in_child() -> None:
    for gate in list(_GATES):
        gate._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)


class GatedConnection(sqlite3.Connection):
    """A DBAPI connection that lets go of the gate once its transaction has ended."""

    gate: WriterGate | None = None
    holder: int | None = None  # the process that took the gate through this connection

    def enter_gate(self) -> None:
        if self.gate is not None and self.holder is None:
            self.gate.acquire()
            self.holder = os.getpid()

    def leave_gate(self) -> None:
        # A connection inherited across a fork still says its parent held the gate: the child's gate is new.
        holder, self.holder = self.holder, None
        if holder == os.getpid():
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()
