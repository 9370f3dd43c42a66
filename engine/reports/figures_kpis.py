"""The figures the bank measures (MISSION.md, "What the bank measures"), each one source query.

What a figure counts: the case figures count the cases *received* in the chosen days; the task figures
(on time, per agent) the tasks that *arose* in them; the survey and approval figures the answers *given* in
them. Every figure is a range scan of one table (the tier, channel and category filters join the case only
when set), which is what keeps them fast at a million cases.

Definitions, where the service standard leaves room:

- **First response** (``cases.first_response_at``, kept by the engine): the earlier of the first completed
  frontline task of the case (every frontline task talks to the customer) and the first SMS or app push sent to
  the customer (the knowledge base's instant answer, the safeguards notice). Within the tier's limit: urgent 15
  minutes, general 4 hours, advisory (and a case not yet triaged) 24 hours from receipt. A case not answered yet
  counts in the total, not as within.
- **On time**: a completed task with a deadline, completed at or before it.
- **Resolution time**: from receipt to the case's close (after the follow-up visit).
- **Regulatory**: from receipt to the decision reaching the customer, in days of 24 hours; "within the deadline"
  is the case's own regulatory deadline (extensions and pauses included) not breached.
- **Satisfaction and NPS**: each case's latest follow-up survey; satisfied is 4 or 5 of 5; promoters answer
  9–10, detractors 0–6, NPS = % promoters − % detractors. An agent's satisfaction is that of the follow-up
  visits they made (the visit is the owner's task).
- **Each tier's follow-up question** (the survey's variants): urgent "really solved?", general "any other
  needs?", advisory "did the advice work?", from each case's latest follow-up survey. The rate is the yes
  answers of those who answered the question (a customer may skip it; a skipped question is not counted).
  Grouped by the question, which is the tier's: a case re-triaged before its follow-up counts under the
  question it was asked.
- **Repeats**: a case linked at intake to an earlier complaint of the same customer; an agent's repeats are the
  cases they own that a later complaint was linked to.
"""

from __future__ import annotations

from sqlalchemy import case, literal, select
from sqlalchemy.orm import aliased

from engine.models import Case, TaskAnswer, WorkItem
from engine.reports.figures import Filters, Kpi, Sql, flag

SURVEY = "survey.schema.json"
APPROVAL = "approval.schema.json"
HOUR, DAY = 3600, 86400
RESPONSE_LIMIT = {"urgent": 15 * 60, "general": 4 * HOUR, "advisory": 24 * HOUR}
# Resolution-time buckets: (label, upper bound in days).
RESOLUTION_BUCKETS = (("≤1d", 1), ("1–3d", 3), ("3–7d", 7), ("7–15d", 15), ("15–30d", 30), ("30–60d", 60))
OVER_LAST = "60d+"
ALL = "all"


def _cases(f: Filters, *columns):
    """Columns of the cases received in the range (``at``: the moment the roll-up files a row under)."""
    return select(*columns, Case.received_at.label("at")).select_from(Case).where(*f.where())


def _volume(dimension: str):
    def source(f: Filters, sql: Sql):
        group = sql.local_day(Case.received_at) if dimension == "day" else getattr(Case, dimension)
        return _cases(f, group.label("grp"), Case.id.label("case_id"), literal(1).label("cases"))

    return source


def _first_response(f: Filters, sql: Sql):
    waited = sql.seconds(Case.first_response_at, Case.received_at)
    limit = literal(24 * HOUR)
    for tier, seconds in RESPONSE_LIMIT.items():
        limit = _when(Case.tier == tier, literal(seconds), limit)
    return _cases(
        f,
        Case.tier.label("grp"),
        Case.id.label("case_id"),
        literal(1).label("cases"),
        flag(Case.first_response_at.is_not(None)).label("responded"),
        flag(waited <= limit).label("within_limit"),
        flag(waited <= 24 * HOUR).label("within_24h"),
        (waited / HOUR).label("hours"),
    )


def _scoped(query, f: Filters, moment, case_id, tier=None):
    """``query`` over rows of another table than ``cases``, limited to rows whose ``moment`` is in the range;
    the tier, channel and category filters apply to their case (joined only when one of them is set)."""
    query = query.add_columns(moment.label("at")).where(moment >= f.start, moment < f.end)
    wanted = {name: value for name, value in f.others().items() if value}
    if tier is not None and set(wanted) == {"tier"}:
        return query.where(tier == wanted["tier"])  # the tier is copied on the row: no join needed
    if wanted:
        query = query.join(Case, Case.id == case_id)
        query = query.where(*(getattr(Case, name) == value for name, value in wanted.items()))
    return query


def _when(condition, then, otherwise):
    return case((condition, then), else_=otherwise)


def _on_time(dimension: str):
    def source(f: Filters, sql: Sql):
        group = WorkItem.name if dimension == "task" else WorkItem.lane
        query = select(
            group.label("grp"),
            WorkItem.case_id.label("case_id"),
            literal(1).label("tasks"),
            flag(WorkItem.completed_at <= WorkItem.due_at).label("on_time"),
            flag(WorkItem.completed_at > WorkItem.due_at).label("late"),
        ).where(WorkItem.completed_at.is_not(None), WorkItem.due_at.is_not(None))
        return _scoped(query, f, WorkItem.created_at, WorkItem.case_id, WorkItem.tier)

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


def _satisfaction(f: Filters, sql: Sql):
    a = TaskAnswer
    query = select(
        literal(ALL).label("grp"),
        a.case_id.label("case_id"),
        literal(1).label("answered"),
        flag(a.resolved.is_(True)).label("resolved"),
        flag(a.satisfaction.is_not(None)).label("scored"),
        flag(a.satisfaction >= 4).label("satisfied"),
        flag(a.recommend.is_not(None)).label("recommend_answered"),
        flag(a.recommend >= 9).label("promoters"),
        flag((a.recommend >= 7) & (a.recommend <= 8)).label("passives"),
        flag(a.recommend <= 6).label("detractors"),
        a.satisfaction.label("satisfaction"),
    ).where(a.form == SURVEY, a.latest.is_(True))
    return _scoped(query, f, a.answered_at, a.case_id)


# The question each tier is asked at the follow-up (a column of task_answers), in the tiers' order.
TIER_QUESTIONS = {"urgent": "really_solved", "general": "other_needs", "advisory": "advice_worked"}


def _tier_questions(f: Filters, sql: Sql):
    a = TaskAnswer
    question, answer = literal(None), literal(None)
    for name in reversed(TIER_QUESTIONS.values()):  # a survey answers one tier's question at most
        column = getattr(a, name)
        question = _when(column.is_not(None), literal(name), question)
        answer = _when(column.is_not(None), column, answer)
    query = select(
        question.label("grp"),
        a.case_id.label("case_id"),
        literal(1).label("answered_question"),
        flag(answer.is_(True)).label("yes"),
        flag(answer.is_(False)).label("no"),
    ).where(
        a.form == SURVEY,
        a.latest.is_(True),
        a.really_solved.is_not(None) | a.other_needs.is_not(None) | a.advice_worked.is_not(None),
    )
    return _scoped(query, f, a.answered_at, a.case_id)


def tier_question_rate(figure, tier: str) -> float | None:
    """The share (0..1) of yes answers to ``tier``'s follow-up question; None when nobody answered it."""
    row = figure.row(TIER_QUESTIONS[tier])
    return row.rate("yes", "answered_question") if row is not None else None


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
    query = select(
        a.name.label("grp"),
        a.case_id.label("case_id"),
        literal(1).label("decisions"),
        flag(a.approved.is_(True)).label("approved"),
        flag(a.approved.is_(False)).label("rejected"),
    ).where(a.form == APPROVAL)
    return _scoped(query, f, a.answered_at, a.case_id)


def _agent_cases(f: Filters, sql: Sql):
    later = aliased(Case)
    repeated = select(later.repeat_of_id).where(later.repeat_of_id.is_not(None))  # one set, looked up by hash
    return _cases(
        f,
        Case.owner_id.label("grp"),
        Case.id.label("case_id"),
        literal(1).label("owned"),
        flag(Case.id.in_(repeated)).label("repeated"),
    ).where(Case.owner_id.is_not(None))


def _agent_surveys(f: Filters, sql: Sql):
    """The follow-up visits an agent made (the owner's task) and what the customers answered."""
    a = TaskAnswer
    query = select(
        a.answered_by_id.label("grp"),
        a.case_id.label("case_id"),
        literal(1).label("answered"),
        a.satisfaction.label("satisfaction"),
    ).where(a.form == SURVEY, a.latest.is_(True), a.answered_by_id.is_not(None))
    return _scoped(query, f, a.answered_at, a.case_id)


def _agent_tasks(f: Filters, sql: Sql):
    query = select(
        WorkItem.completed_by_id.label("grp"),
        WorkItem.case_id.label("case_id"),
        literal(1).label("tasks"),
        flag(WorkItem.completed_at <= WorkItem.due_at).label("on_time"),
    ).where(WorkItem.completed_by_id.is_not(None), WorkItem.due_at.is_not(None))
    return _scoped(query, f, WorkItem.created_at, WorkItem.case_id, WorkItem.tier)


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
TIER_QUESTION_ANSWERS = Kpi(
    "tier_questions",
    "Each tier's follow-up question",
    "cases",
    ("answered_question", "yes", "no"),
    _tier_questions,
)
COMPENSATION = Kpi(
    "compensation", "Compensation paid", "cases", ("paid",), _compensation, sums={"amount": "amount"}
)
APPROVALS = Kpi(
    "approvals", "Approvals per level", "answers", ("decisions", "approved", "rejected"), _approvals
)
AGENT_CASES = Kpi("agent_cases", "Cases per owner", "cases", ("owned", "repeated"), _agent_cases)
AGENT_SURVEYS = Kpi(
    "agent_surveys",
    "Follow-up surveys per agent",
    "cases",
    ("answered",),
    _agent_surveys,
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
        TIER_QUESTION_ANSWERS,
        COMPENSATION,
        APPROVALS,
        AGENT_CASES,
        AGENT_SURVEYS,
        AGENT_TASKS,
    )
}
