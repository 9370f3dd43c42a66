"""Case ids handed out before the case is written.

A case's id is part of what its workflow sees from the first step (its reference, ``case.id`` in the data,
the case named in the notices it queues), so intake takes the id first, runs the workflow's first steps
without holding the database's write lock, and writes the case with that id afterwards (engine/cases/intake.py).

- PostgreSQL: the next value of the ``cases.id`` sequence. It belongs to no transaction and locks nothing.
- SQLite: a counter row in ``id_sequences``, moved in a write transaction of its own (a fraction of a
  millisecond) unless the caller is already inside one. The counter never falls behind the largest id in the
  table, so rows inserted with explicit ids (a restore, a benchmark's bulk copy) cannot be handed out again.

As with any sequence, an id taken by an intake that then fails (or that joins an open case after all) is never
used: ids and references increase in the order complaints arrive, with the occasional gap.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.store.db import begin_write, in_write

_POSTGRES = text("SELECT nextval(pg_get_serial_sequence('cases', 'id'))")
_SQLITE = text(
    "INSERT INTO id_sequences (name, value) VALUES ('cases', (SELECT coalesce(max(id), 0) FROM cases) + 1)"
    " ON CONFLICT (name) DO UPDATE"
    " SET value = max(id_sequences.value, (SELECT coalesce(max(id), 0) FROM cases)) + 1"
    " RETURNING value"
)


def reserve_case_id(session: Session) -> int:
    """A new case id, never handed out before."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_POSTGRES).scalar_one()
    if in_write(session):
        return session.execute(_SQLITE).scalar_one()
    begin_write(session)
    try:
        value = session.execute(_SQLITE).scalar_one()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return value
