"""SQLite's writers queue at the gate (engine/store/writer_gate.py): one writer at a time per database file, across
threads and processes, handed over at COMMIT or ROLLBACK, and a clear "database is locked" when it never comes.

These run on an SQLite file of their own whatever the suite's database: PostgreSQL has no gate.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.store.db import begin_write, make_engine
from engine.store.writer_gate import GatedConnection, WriterGate


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "gate.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE log (n INTEGER, who TEXT)"))
    yield engine, str(path)
    engine.dispose()


def gate_is_free(path: str) -> bool:
    """Whether another process could take the gate now (a fresh open file: its flock is another process's)."""
    fd = os.open(path + "-writer", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing the file releases a lock taken through it
    return True


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_write_step_holds_the_gate_until_its_transaction_ends(sqlite_file, end):
    engine, path = sqlite_file
    session = Session(engine)
    begin_write(session)
    session.execute(text("INSERT INTO log VALUES (1, 'a')"))
    assert not gate_is_free(path)
    getattr(session, end)()
    assert gate_is_free(path)
    with Session(engine) as other:  # and the next writer gets it
        begin_write(other)
        other.execute(text("INSERT INTO log VALUES (2, 'b')"))
        other.commit()
    assert gate_is_free(path)


def test_reads_never_take_the_gate(sqlite_file):
    engine, path = sqlite_file
    with Session(engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM log")).scalar_one() == 0
        assert reader.in_transaction() and gate_is_free(path)


def test_writers_in_threads_take_turns_and_each_sees_the_last_ones_write(sqlite_file):
    """Eight threads each read the highest number and write the next one; with one writer at a time no two
    write the same number."""
    engine, _ = sqlite_file

    def writer(name: str) -> None:
        for _ in range(25):
            with Session(engine) as session:
                begin_write(session)
                last = session.execute(text("SELECT coalesce(max(n), 0) FROM log")).scalar_one()
                session.execute(text("INSERT INTO log VALUES (:n, :who)"), {"n": last + 1, "who": name})
                session.commit()

    threads = [threading.Thread(target=writer, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        numbers = conn.execute(text("SELECT n FROM log ORDER BY n")).scalars().all()
    assert numbers == list(range(1, 201))


def test_a_writer_that_never_gets_the_gate_is_told_the_database_is_locked(tmp_path):
    gate = WriterGate(str(tmp_path / "x.db"), timeout=0.2)
    holder = os.open(gate.path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            gate.acquire()
    finally:
        os.close(holder)
    gate.acquire()  # nothing was left half-taken
    gate.release()


def test_a_forked_child_has_a_gate_of_its_own(tmp_path):
    """A gunicorn worker is forked from its master: it must neither inherit the master's thread lock (held at
    the fork, it would never be released in the child) nor its open file (through which the flock would be
    shared, letting both write)."""
    gate = WriterGate(str(tmp_path / "x.db"), timeout=0.3)

    def child_can_take_the_gate() -> bool:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                gate.acquire()
                gate.release()
                code = 0
            except sqlite3.OperationalError:
                code = 3
            finally:
                os._exit(code)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        assert code in (0, 3), f"the child failed otherwise (exit {code})"
        return code == 0

    gate.acquire()
    assert not child_can_take_the_gate()  # shut out by the parent's flock, not let in through a shared file
    gate.release()
    assert child_can_take_the_gate()
    with gate._threads:  # a parent thread between the two locks at the moment of the fork
        assert child_can_take_the_gate()


def test_a_connection_inherited_across_a_fork_never_releases_the_childs_gate(tmp_path):
    gate = WriterGate(str(tmp_path / "x.db"), timeout=0.3)
    connection = sqlite3.connect(str(tmp_path / "x.db"), factory=GatedConnection)
    connection.gate = gate
    connection.enter_gate()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            connection.leave_gate()  # the parent's hold: nothing of the child's to release, and no error
            gate.acquire()  # still shut out by the parent's flock
        except sqlite3.OperationalError:
            code = 3
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 3
    connection.leave_gate()
    assert gate_is_free(gate.path.removesuffix("-writer"))
    connection.close()
