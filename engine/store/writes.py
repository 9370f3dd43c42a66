"""Writing a step's changes with Core statements while the ORM objects stay in step.

The unit of work's flush is the most expensive part of an engine step (about four times a plain UPDATE). A
step knows exactly what it changes, so it writes those columns itself and tells the ORM the new values are
committed state (``set_committed_value``): the objects read correctly and are never flushed a second time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, Update, bindparam, update
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
    row = session.connection().execute(_insert_returning(table), values).mappings().one()
    obj = cls(**{column.name: row[column.name] for column in table.c})
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


@lru_cache(maxsize=64)
def _insert_returning(table: Table) -> Insert:
    """``INSERT INTO table (…) VALUES (…) RETURNING *``, the columns named by the parameters it runs with."""
    return table.insert().returning(*table.c)


def mark_committed(obj: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        set_committed_value(obj, name, value)


@lru_cache(maxsize=512)
def _update_by_id(table: Table, columns: tuple[str, ...], checked: str | None = None) -> Update:
    """``UPDATE table SET columns… WHERE id = :_id [AND checked = :_checked]``, built once per column set.

    A step runs the same few updates again and again; building the statement each time (and SQLAlchemy's cache
    key for it) cost more than executing it on SQLite.
    """
    where = [table.c.id == bindparam("_id")]
    if checked is not None:
        where.append(table.c[checked] == bindparam("_checked"))
    return update(table).where(*where).values({name: bindparam(name) for name in columns})


def update_row(session: Session, obj: Any, **values: Any) -> None:
    """UPDATE one row by primary key with ``values`` and reflect them on ``obj``."""
    statement = _update_by_id(type(obj).__table__, tuple(sorted(values)))
    session.connection().execute(statement, {**values, "_id": obj.id})
    mark_committed(obj, values)


def update_case(session: Session, case: Case, values: dict[str, Any]) -> None:
    """UPDATE the case row only if nobody else changed it since we read it (optimistic concurrency)."""
    revision = case.revision
    values = {**values, "revision": revision + 1}
    statement = _update_by_id(Case.__table__, tuple(sorted(values)), "revision")
    result = session.connection().execute(statement, {**values, "_id": case.id, "_checked": revision})
    if result.rowcount != 1:
        raise StaleDataError(f"case {case.id} was changed by another step")
    mark_committed(case, values)
