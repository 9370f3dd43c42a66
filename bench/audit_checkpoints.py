"""What anchoring the audit chain costs: ``audit verify`` with and without its signed checkpoints.

    .venv/bin/python -m bench.audit_checkpoints [--events N] [--every K] [--rounds R]

Fills a fresh SQLite file with N audit events (appended in batches of K, as steps append them) and signs the
head after each batch, as the scheduler would (N/K checkpoints). Then, in R alternating rounds, times the
chain's walk alone (``engine.audit.verify``) against the walk plus the checkpoint comparison
(``engine.audit.checkpoints.verify``), and one signing of the head (``checkpoints.write``). Medians reported.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter

from engine import audit
from engine.audit import checkpoints
from engine.clock import FrozenClock
from engine.store.db import Database, begin_write
from engine.store.schema import upgrade

KEYS = checkpoints.Keys(b"bench-key-" + b"x" * 22)


def fill(database: Database, clock: FrozenClock, events: int, every: int) -> None:
    with database.session() as session:
        for start in range(0, events, every):
            begin_write(session)
            audit.append(
                session,
                [
                    audit.PendingEvent(
                        clock(), "bench", "task.completed", start + i, {"task": start + i, "x": "长城卡"}
                    )
                    for i in range(min(every, events - start))
                ],
            )
            session.commit()
            clock.advance(minutes=15)
            begin_write(session)
            checkpoints.write(session, clock, KEYS)
            session.commit()


def timed(fn) -> float:
    started = perf_counter()
    fn()
    return perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database.connect(f"sqlite:///{Path(folder) / 'audit.db'}")
        upgrade(database.engine)
        clock = FrozenClock(datetime(2026, 3, 2, tzinfo=UTC))
        fill(database, clock, args.events, args.every)
        chain, anchored, sign = [], [], []
        with database.session() as session:
            for _ in range(args.rounds):
                chain.append(timed(lambda: audit.verify(session)))
                session.rollback()
                anchored.append(timed(lambda: checkpoints.verify(session, KEYS)))
                session.rollback()
                clock.advance(timedelta(minutes=1))

                def write_one():
                    begin_write(session)
                    checkpoints.write(session, clock, KEYS)
                    session.commit()

                sign.append(timed(write_one))
            report = checkpoints.verify(session, KEYS)
        database.engine.dispose()
    assert report.ok, str(report)
    a, c = statistics.median(anchored), statistics.median(chain)
    print(
        f"{args.events:,} events, {report.checkpoints:,} checkpoints, SQLite, median of {args.rounds} rounds"
    )
    print(f"  chain walk alone:          {c:.3f} s ({args.events / c:,.0f} events/s)")
    print(f"  walk + checkpoints:        {a:.3f} s (x{a / c:.3f} of the walk alone)")
    print(f"  signing the head once:     {statistics.median(sign) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
