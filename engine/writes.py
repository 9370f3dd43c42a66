"""Writing a step's changes with Core statements while the ORM objects stay in step.

The unit of work's flush is the most expensive part of an engine step (about four times a plain UPDATE). A
step knows exactly what it changes, so it writes those columns itself and tells the ORM the new values are
committed state (``set_committed_value``): the objects read correctly and are never flushed a second time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine.models import Case


def insert(session: Session, cls: type, values: dict[str, Any]) -> Any:
    """INSERT a row with Core and return it as a persistent ORM object, as if the ORM had loaded it.

    The row comes back whole (``RETURNING`` every column, defaults included), so the object never needs a
    second query; this costs a third of the unit of work's insert-and-flush.
    """
    table = cls.__table__
    row = session.connection().execute(table.insert().values(**values).returning(*table.c)).mappings().one()
    obj = cls(**{column.name: row[column.name] for column in table.c})
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def mark_committed(obj: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        set_committed_value(obj, name, value)


def update_row(session: Session, obj: Any, **values: Any) -> None:
    """UPDATE one row by primary key with ``values`` and reflect them on ``obj``."""
    table = type(obj).__table__
    session.connection().execute(update(table).where(table.c.id == obj.id).values(**values))
    mark_committed(obj, values)


def update_case(session: Session, case: Case, values: dict[str, Any]) -> None:
    """UPDATE the case row only if nobody else changed it since we read it (optimistic concurrency)."""
    table = Case.__table__
    revision = case.revision
    result = session.connection().execute(
        update(table)
        .where(table.c.id == case.id, table.c.revision == revision)
        .values(**values, revision=revision + 1)
    )
    if result.rowcount != 1:
        raise StaleDataError(f"case {case.id} was changed by another step")
    mark_committed(case, {**values, "revision": revision + 1})
