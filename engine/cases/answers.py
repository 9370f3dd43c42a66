"""The answers of a completed task that the figures add up, kept as columns (``task_answers``).

Called in the task's own step (``CaseEngine.complete``), so the row commits or rolls back with the completion.
Which fields count is decided by the form the task uses, not by the task's id, so a process owner who adds a
survey or an approval to another diagram gets it counted without touching code.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from engine.models import TaskAnswer, WorkItem

# form -> the fields of its data kept as columns of the same name (the survey's "recommend" is the NPS answer).
FIELDS_BY_FORM = {
    "survey.schema.json": (
        "resolved",
        "satisfaction",
        "recommend",
        "really_solved",
        "other_needs",
        "advice_worked",
    ),
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
    # The case answered this form before (a rework's second visit): the new answer is the one that counts.
    session.execute(
        update(TaskAnswer)
        .where(TaskAnswer.case_id == item.case_id, TaskAnswer.form == item.form, TaskAnswer.latest.is_(True))
        .values(latest=False)
    )
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


def backfill_first_responses(session: Session) -> None:
    """Set ``first_response_at`` of cases from their rows (the migration does the same for older cases)."""
    session.execute(
        text(
            "UPDATE cases SET first_response_at = (SELECT min(w.completed_at) FROM work_items w"
            " WHERE w.case_id = cases.id AND w.lane = 'frontline' AND w.completed_at IS NOT NULL)"
        )
    )
    session.execute(
        text(
            "UPDATE cases SET first_response_at = (SELECT min(o.created_at) FROM outbox o"
            " WHERE o.case_id = cases.id AND o.channel IN ('sms', 'app_push')"
            " AND o.template <> 'complaint_received')"
            " WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id"
            " AND o.channel IN ('sms', 'app_push') AND o.template <> 'complaint_received'"
            " AND (cases.first_response_at IS NULL OR o.created_at < cases.first_response_at))"
        )
    )
