"""The answers of a completed task that the figures add up, kept as columns (``task_answers``).

Called in the task's own step (``CaseEngine.complete``), so the row commits or rolls back with the completion.
Which fields count is decided by the form the task uses, not by the task's id, so a process owner who adds a
survey or an approval to another diagram gets it counted without touching code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine.models import TaskAnswer, WorkItem

# form -> the fields of its data kept as columns of the same name (the survey's "recommend" is the NPS answer).
FIELDS_BY_FORM = {
    "survey.schema.json": ("resolved", "satisfaction", "recommend"),
    "approval.schema.json": ("approved",),
    "settlement.schema.json": ("compensation",),
    "root_cause.schema.json": ("root_cause",),
}
# A form field whose column has another name.
FIELD_OF_COLUMN = {"compensation": "compensation_amount"}


def record(session: Session, item: WorkItem, data: dict[str, Any], user_id: int | None, now) -> None:
    """Store the columns of ``data`` that the figures use, if the task's form has any."""
    columns = FIELDS_BY_FORM.get(item.form or "")
    if not columns:
        return
    values: dict[str, Any] = {}
    for column in columns:
        value = data.get(FIELD_OF_COLUMN.get(column, column))
        if column == "compensation" and value is not None:
            value = Decimal(str(value))
        values[column] = value
    session.add(
        TaskAnswer(
            case_id=item.case_id,
            work_item_id=item.id,
            spec_id=item.spec_id,
            name=item.name,
            form=item.form,
            answered_at=now,
            answered_by_id=user_id,
            **values,
        )
    )
