"""The figures the bank measures (MISSION.md, "What the bank measures"), each one source query.

Definitions, where the service standard leaves room:

- **First response**: the earlier of the first completed frontline task of the case (every frontline task talks
  to the customer) and the first SMS or app push sent to the customer (the knowledge base's instant answer, the
  safeguards notice). Within the tier's limit: urgent 15 minutes, general 4 hours, advisory (and a case not yet
  triaged) 24 hours from receipt. A case not answered yet counts in the total, not as within.
- **On time**: a completed task with a deadline, completed at or before it.
- **Resolution time**: from receipt to the case's close (after the follow-up visit).
- **Regulatory**: from receipt to the decision reaching the customer, in days of 24 hours; "within the deadline"
  is the case's own regulatory deadline (extensions and pauses included) not breached.
- **Satisfaction and NPS**: the latest follow-up survey of each case; satisfied is 4 or 5 of 5; promoters answer
  9–10, detractors 0–6, NPS = % promoters − % detractors.
- **Repeats**: a case linked at intake to an earlier complaint of the same customer; an agent's repeats are the
  cases they own that a later complaint was linked to.
"""

from __future__ import annotations

from sqlalchemy import case, exists, literal, select
from sqlalchemy.orm import aliased

from engine.models import Case, OutboxMessage, TaskAnswer, WorkItem
from engine.reports.figures import Filters, Kpi, Sql, flag

SURVEY = "survey.schema.json"
APPROVAL = "approval.schema.json"
CUSTOMER_CHANNELS = ("sms", "app_push")
FRONTLINE = "frontline"
HOUR, DAY = 3600, 86400
RESPONSE_LIMIT = {"urgent": 15 * 60, "general": 4 * HOUR, "advisory": 24 * HOUR}
# Resolution-time buckets: (label, upper bound in days).
RESOLUTION_BUCKETS = (("≤1d", 1), ("1–3d", 3), ("3–7d", 7), ("7–15d", 15), ("15–30d", 30), ("30–60d", 60))
OVER_LAST = "60d+"
ALL = "all"


def _cases(f: Filters, *columns):
    return select(*columns).select_from(Case).where(*f.where())


def _volume(dimension: str):
    def source(f: Filters, sql: Sql):
        group = sql.local_day(Case.received_at) if dimension == "day" else getattr(Case, dimension)
        return _cases(f, group.label("grp"), Case.id.label("case_id"), literal(1).label("cases"))

    return source


def _first_response(f: Filters, sql: Sql):
    by_task = (
        select(WorkItem.completed_at)
        .where(WorkItem.case_id == Case.id, WorkItem.lane == FRONTLINE, WorkItem.completed_at.is_not(None))
        .order_by(WorkItem.completed_at)
        .limit(1)
        .scalar_subquery()
    )
    by_message = (
        select(OutboxMessage.created_at)
        .where(OutboxMessage.case_id == Case.id, OutboxMessage.channel.in_(CUSTOMER_CHANNELS))
        .order_by(OutboxMessage.created_at)
        .limit(1)
        .scalar_subquery()
    )
    inner = _cases(
        f,
        Case.id,
        Case.tier,
        Case.received_at,
        by_task.label("by_task"),
        by_message.label("by_message"),
    ).subquery("responses")
    first = sql.earlier_of(inner.c.by_task, inner.c.by_message)
    waited = sql.seconds(first, inner.c.received_at)
    limit = literal(24 * HOUR)
    for tier, seconds in RESPONSE_LIMIT.items():
        limit = _when(inner.c.tier == tier, literal(seconds), limit)
    return select(
        inner.c.tier.label("grp"),
        inner.c.id.label("case_id"),
        literal(1).label("cases"),
        flag(first.is_not(None)).label("responded"),
        flag(waited <= limit).label("within_limit"),
        flag(waited <= 24 * HOUR).label("within_24h"),
        (waited / HOUR).label("hours"),
    )


def _when(condition, then, otherwise):
    return case((condition, then), else_=otherwise)


def _on_time(dimension: str):
    def source(f: Filters, sql: Sql):
        group = WorkItem.name if dimension == "task" else WorkItem.lane
        return (
            select(
                group.label("grp"),
                WorkItem.case_id.label("case_id"),
                literal(1).label("tasks"),
                flag(WorkItem.completed_at <= WorkItem.due_at).label("on_time"),
                flag(WorkItem.completed_at > WorkItem.due_at).label("late"),
            )
            .join(Case, Case.id == WorkItem.case_id)
            .where(*f.where(), WorkItem.completed_at.is_not(None), WorkItem.due_at.is_not(None))
        )

    return source


def _resolution(f: Filters, sql: Sql):
    took = sql.seconds(Case.closed_at, Case.received_at)
    bucket = literal(OVER_LAST)
    for label, days in reversed(RESOLUTION_BUCKETS):
        bucket = _when(took <= days * DAY, literal(label), bucket)
    return _cases(
        f,
        bucket.label("grp"),
        Case.id.label("case_id"),
        literal(1).label("cases"),
        (took / HOUR).label("hours"),
    ).where(Case.closed_at.is_not(None))


def resolution_hours(f: Filters, sql: Sql):
    """One column: each closed case's resolution time in hours (for percentiles)."""
    return _cases(f, (sql.seconds(Case.closed_at, Case.received_at) / HOUR).label("hours")).where(
        Case.closed_at.is_not(None)
    )


def _regulatory(f: Filters, sql: Sql):
    took = sql.seconds(Case.decided_at, Case.received_at)
    decided = Case.decided_at.is_not(None)
    columns = [
        literal(ALL).label("grp"),
        Case.id.label("case_id"),
        literal(1).label("cases"),
        *(flag(decided & (took <= days * DAY)).label(f"within_{days}d") for days in (15, 30, 60)),
        flag(decided & (took > 60 * DAY)).label("later"),
        flag(~decided).label("outstanding"),
        flag(decided & Case.regulatory_breached_at.is_(None)).label("on_deadline"),
        flag(Case.regulatory_breached_at.is_not(None)).label("breached"),
    ]
    return _cases(f, *columns)


def _repeats(f: Filters, sql: Sql):
    return _cases(
        f,
        literal(ALL).label("grp"),
        Case.id.label("case_id"),
        literal(1).label("cases"),
        flag(Case.repeat_of_id.is_not(None)).label("repeats"),
    )


def _latest_survey():
    """The id of the case's latest follow-up survey (correlated with ``Case``)."""
    answer = aliased(TaskAnswer)
    return (
        select(answer.id)
        .where(answer.form == SURVEY, answer.case_id == Case.id)
        .order_by(answer.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )


def _satisfaction(f: Filters, sql: Sql):
    a = TaskAnswer
    return _cases(
        f,
        literal(ALL).label("grp"),
        Case.id.label("case_id"),
        literal(1).label("answered"),
        flag(a.resolved.is_(True)).label("resolved"),
        flag(a.satisfaction.is_not(None)).label("scored"),
        flag(a.satisfaction >= 4).label("satisfied"),
        flag(a.recommend.is_not(None)).label("recommend_answered"),
        flag(a.recommend >= 9).label("promoters"),
        flag((a.recommend >= 7) & (a.recommend <= 8)).label("passives"),
        flag(a.recommend <= 6).label("detractors"),
        a.satisfaction.label("satisfaction"),
    ).join(a, a.id == _latest_survey())


def nps(row) -> float | None:
    """Net promoter score, −100..100, of a satisfaction row; None without answers."""
    answered = row.counts.get("recommend_answered", 0)
    if not answered:
        return None
    return 100.0 * (row.counts["promoters"] - row.counts["detractors"]) / answered


def _compensation(f: Filters, sql: Sql):
    return _cases(
        f,
        literal(ALL).label("grp"),
        Case.id.label("case_id"),
        literal(1).label("paid"),
        Case.compensation_paid.label("amount"),
    ).where(Case.compensation_paid > 0)


def _approvals(f: Filters, sql: Sql):
    a = TaskAnswer
    return (
        select(
            a.name.label("grp"),
            a.case_id.label("case_id"),
            literal(1).label("decisions"),
            flag(a.approved.is_(True)).label("approved"),
            flag(a.approved.is_(False)).label("rejected"),
        )
        .join(Case, Case.id == a.case_id)
        .where(*f.where(), a.form == APPROVAL)
    )


def _agent_cases(f: Filters, sql: Sql):
    later = aliased(Case)
    satisfaction = select(TaskAnswer.satisfaction).where(TaskAnswer.id == _latest_survey()).scalar_subquery()
    return _cases(
        f,
        Case.owner_id.label("grp"),
        Case.id.label("case_id"),
        literal(1).label("owned"),
        flag(exists().where(later.repeat_of_id == Case.id)).label("repeated"),
        satisfaction.label("satisfaction"),
    ).where(Case.owner_id.is_not(None))


def _agent_tasks(f: Filters, sql: Sql):
    return (
        select(
            WorkItem.completed_by_id.label("grp"),
            WorkItem.case_id.label("case_id"),
            literal(1).label("tasks"),
            flag(WorkItem.completed_at <= WorkItem.due_at).label("on_time"),
        )
        .join(Case, Case.id == WorkItem.case_id)
        .where(*f.where(), WorkItem.completed_by_id.is_not(None), WorkItem.due_at.is_not(None))
    )


VOLUME_BY_DAY = Kpi("volume_day", "Complaints by day", "cases", ("cases",), _volume("day"))
VOLUME_BY_CHANNEL = Kpi("volume_channel", "Complaints by channel", "cases", ("cases",), _volume("channel"))
VOLUME_BY_CATEGORY = Kpi(
    "volume_category", "Complaints by category", "cases", ("cases",), _volume("category")
)
VOLUME_BY_TIER = Kpi("volume_tier", "Complaints by tier", "cases", ("cases",), _volume("tier"))
FIRST_RESPONSE = Kpi(
    "first_response",
    "First response",
    "cases",
    ("cases", "responded", "within_limit", "within_24h"),
    _first_response,
    means={"hours": "hours"},
)
ON_TIME_BY_TASK = Kpi(
    "on_time_task", "On time per task", "tasks", ("tasks", "on_time", "late"), _on_time("task")
)
ON_TIME_BY_LANE = Kpi(
    "on_time_department", "On time per department", "tasks", ("tasks", "on_time", "late"), _on_time("lane")
)
RESOLUTION = Kpi("resolution", "Resolution time", "cases", ("cases",), _resolution, means={"hours": "hours"})
REGULATORY = Kpi(
    "regulatory",
    "Regulatory decision time",
    "cases",
    ("cases", "within_15d", "within_30d", "within_60d", "later", "outstanding", "on_deadline", "breached"),
    _regulatory,
)
REPEATS = Kpi("repeats", "Repeat complaints", "cases", ("cases", "repeats"), _repeats)
SATISFACTION = Kpi(
    "satisfaction",
    "Satisfaction and NPS",
    "cases",
    (
        "answered",
        "resolved",
        "scored",
        "satisfied",
        "recommend_answered",
        "promoters",
        "passives",
        "detractors",
    ),
    _satisfaction,
    means={"satisfaction": "satisfaction"},
)
COMPENSATION = Kpi(
    "compensation", "Compensation paid", "cases", ("paid",), _compensation, sums={"amount": "amount"}
)
APPROVALS = Kpi(
    "approvals", "Approvals per level", "answers", ("decisions", "approved", "rejected"), _approvals
)
AGENT_CASES = Kpi(
    "agent_cases",
    "Cases per owner",
    "cases",
    ("owned", "repeated"),
    _agent_cases,
    means={"satisfaction": "satisfaction"},
)
AGENT_TASKS = Kpi("agent_tasks", "Tasks on time per agent", "tasks", ("tasks", "on_time"), _agent_tasks)

KPIS = {
    k.key: k
    for k in (
        VOLUME_BY_DAY,
        VOLUME_BY_CHANNEL,
        VOLUME_BY_CATEGORY,
        VOLUME_BY_TIER,
        FIRST_RESPONSE,
        ON_TIME_BY_TASK,
        ON_TIME_BY_LANE,
        RESOLUTION,
        REGULATORY,
        REPEATS,
        SATISFACTION,
        COMPENSATION,
        APPROVALS,
        AGENT_CASES,
        AGENT_TASKS,
    )
}
