"""The monthly complaint review for the service committee: the month's figures against the previous month, the
top complaint themes, the breaches with their root causes, and the actions still open.

``build`` gathers it by SQL (the figures of ``figures_kpis``, and a few lists); ``monthly_render`` writes it as
HTML, PDF and .xlsx. Labels are bilingual ("English 中文"): the committee reads Chinese, the regulator's
reviewers often English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import ValidationFailed
from engine.models import Case, CaseStatus, Escalation, TaskAnswer, WorkItem, WorkItemState
from engine.reports import figures_kpis as k
from engine.reports.figures import Filters, compute
from engine.reports.monthly_themes import Theme, themes
from engine.reports.rollup import resolution_percentile

THEME_SAMPLE = 5000  # descriptions clustered at most (an even spread of the month's cases)
LIST_LIMIT = 200  # rows of a list in the report (breaches, open actions)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[int, int]:
    """``2026-11`` -> (2026, 11); anything else is refused with a clear message."""
    found = _MONTH.match((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValidationFailed(
            f"a month is written YYYY-MM, like 2026-11; got {text!r}", {"month": "YYYY-MM"}
        )
    return int(found.group(1)), int(found.group(2))


@dataclass
class Measure:
    label: str
    unit: str  # "count", "percent", "number", "hours", "cny"
    now: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        if self.now is None or self.before is None:
            return None
        return self.now - self.before


@dataclass
class Breach:
    reference: str
    tier: str | None
    category: str | None
    step: str
    limit: str
    at: datetime
    root_cause: str


@dataclass
class OpenAction:
    reference: str
    kind: str  # "task" or "escalation"
    what: str
    lane: str | None
    due_at: datetime | None
    overdue: bool


@dataclass
class MonthlyReview:
    month: str  # "2026-11"
    previous_month: str
    generated_at: datetime
    measures: list[Measure]
    by_category: list[tuple[str, int, int]]  # (category, this month, previous month)
    by_channel: list[tuple[str, int, int]]
    by_tier: list[tuple[str, int, int]]
    themes: list[Theme]
    breaches: list[Breach]
    open_actions: list[OpenAction]
    themed_cases: int = 0  # how many descriptions the themes were found in
    notes: list[str] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _share(rate: float | None) -> float | None:
    return round(100.0 * rate, 1) if rate is not None else None


def measures(session: Session, f: Filters) -> dict[str, float | None]:
    """The headline figures of one period, by key."""
    response = compute(session, k.FIRST_RESPONSE, f)
    on_time = compute(session, k.ON_TIME_BY_LANE, f)
    resolution = compute(session, k.RESOLUTION, f)
    regulatory = compute(session, k.REGULATORY, f).row(k.ALL)
    repeats = compute(session, k.REPEATS, f).row(k.ALL)
    survey = compute(session, k.SATISFACTION, f).row(k.ALL)
    paid = compute(session, k.COMPENSATION, f).row(k.ALL)
    questions = compute(session, k.TIER_QUESTION_ANSWERS, f)
    received = response.total("cases")
    closed = resolution.total("cases")
    hours = sum((r.means["hours"] or 0) * r.counts["cases"] for r in resolution.rows)
    p90 = resolution_percentile(session, f, 0.9)
    reg = regulatory.counts if regulatory else {}
    return {
        "received": received,
        "within_24h": _rate(response.total("within_24h"), received),
        "within_limit": _rate(response.total("within_limit"), received),
        "on_time": _rate(on_time.total("on_time"), on_time.total("tasks")),
        "closed": closed,
        "resolution_hours": round(hours / closed, 1) if closed else None,
        "resolution_p90_hours": round(p90, 1) if p90 is not None else None,
        "within_15d": _rate(reg.get("within_15d", 0), received),
        "outstanding": reg.get("outstanding", 0),
        "breached": reg.get("breached", 0),
        "repeat_rate": _rate(repeats.counts["repeats"], repeats.counts["cases"]) if repeats else None,
        "surveys": survey.counts["answered"] if survey else 0,
        "satisfaction": round(survey.means["satisfaction"], 2)
        if survey and survey.means["satisfaction"]
        else None,
        "nps": round(k.nps(survey), 1) if survey and k.nps(survey) is not None else None,
        **{
            f"{question}_rate": _share(k.tier_question_rate(questions, tier))
            for tier, question in k.TIER_QUESTIONS.items()
        },
        "compensated": paid.counts["paid"] if paid else 0,
        "compensation": paid.sums["amount"] if paid else 0.0,
    }


MEASURES = (
    ("received", "Complaints received 受理投诉", "count"),
    ("within_24h", "Answered within 24 hours 24小时内回应率", "percent"),
    ("within_limit", "Answered within the tier's limit 分级时限内回应率", "percent"),
    ("on_time", "Tasks on time 任务按时率", "percent"),
    ("closed", "Cases closed 已结案件", "count"),
    ("resolution_hours", "Average handling time 平均处理时长", "hours"),
    ("resolution_p90_hours", "90th percentile handling time 处理时长第90百分位", "hours"),
    ("within_15d", "Decided within 15 days 15日内作出决定", "percent"),
    ("outstanding", "No decision yet 尚未作出决定", "count"),
    ("breached", "Regulatory deadline missed 超出监管时限", "count"),
    ("repeat_rate", "Repeat-complaint rate 重复投诉率", "percent"),
    ("surveys", "Surveys answered 回访调查答复", "count"),
    ("satisfaction", "Average satisfaction (1–5) 平均满意度", "number"),
    ("nps", "NPS 净推荐值", "number"),
    ("really_solved_rate", "Urgent: really solved 紧急类：问题真正解决", "percent"),
    ("other_needs_rate", "General: other needs 一般类：有其他需求", "percent"),
    ("advice_worked_rate", "Advisory: advice worked 咨询类：建议有效", "percent"),
    ("compensated", "Cases compensated 获得补偿的案件", "count"),
    ("compensation", "Compensation paid, CNY 已付补偿（元）", "cny"),
)


def build(
    session: Session, year: int, month: int, now: datetime, timezone: str = "Asia/Shanghai"
) -> MonthlyReview:
    """The review of ``year``-``month`` (complaints received in that month, in the bank's time zone)."""
    this = Filters.for_month(year, month, timezone)
    before = this.previous()
    now_values, before_values = measures(session, this), measures(session, before)
    return MonthlyReview(
        month=f"{year:04d}-{month:02d}",
        previous_month=f"{before.first_day.year:04d}-{before.first_day.month:02d}",
        generated_at=now,
        measures=[Measure(label, unit, now_values[key], before_values[key]) for key, label, unit in MEASURES],
        by_category=_compare(session, k.VOLUME_BY_CATEGORY, this, before),
        by_channel=_compare(session, k.VOLUME_BY_CHANNEL, this, before),
        by_tier=_compare(session, k.VOLUME_BY_TIER, this, before),
        themes=(found := _themes(session, this)),
        themed_cases=sum(t.cases for t in found),
        breaches=breaches(session, this),
        open_actions=open_actions(session, this.end, now),
    )


def _compare(session: Session, kpi, this: Filters, before: Filters) -> list[tuple[str, int, int]]:
    now_rows = {r.group: r.counts["cases"] for r in compute(session, kpi, this).rows}
    before_rows = {r.group: r.counts["cases"] for r in compute(session, kpi, before).rows}
    groups = sorted(set(now_rows) | set(before_rows), key=lambda g: (-now_rows.get(g, 0), str(g)))
    return [(g or "", now_rows.get(g, 0), before_rows.get(g, 0)) for g in groups]


def _themes(session: Session, f: Filters) -> list[Theme]:
    count = session.scalar(select(func.count()).select_from(Case).where(*f.where())) or 0
    query = select(Case.id, Case.description).where(*f.where(), Case.description != "")
    if count > THEME_SAMPLE:
        # An even spread over the month: every n-th case by id.
        step = -(-count // THEME_SAMPLE)
        query = query.where(Case.id % step == 0)
    rows = session.execute(query.order_by(Case.id).limit(THEME_SAMPLE)).all()
    return themes([(r.id, r.description) for r in rows])


def breaches(session: Session, f: Filters) -> list[Breach]:
    """Missed deadlines of the month's cases (the diagrams' escalations and the regulatory clock), each with
    the root cause the case's root-cause task recorded, if it has one."""
    cause = (
        select(TaskAnswer.root_cause)
        .where(TaskAnswer.case_id == Case.id, TaskAnswer.root_cause.is_not(None))
        .order_by(TaskAnswer.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    missed = session.execute(
        select(
            Case.reference,
            Case.tier,
            Case.category,
            Escalation.step,
            Escalation.limit_text,
            Escalation.created_at,
            cause.label("root_cause"),
        )
        .join(Case, Case.id == Escalation.case_id)
        .where(*f.where(), Escalation.source == "diagram")
        .order_by(Escalation.created_at, Escalation.id)
        .limit(LIST_LIMIT)
    ).all()
    found = [
        Breach(r.reference, r.tier, r.category, r.step, r.limit_text, r.created_at, r.root_cause or "")
        for r in missed
    ]
    regulatory = session.execute(
        select(
            Case.reference, Case.tier, Case.category, Case.regulatory_breached_at, cause.label("root_cause")
        )
        .where(*f.where(), Case.regulatory_breached_at.is_not(None))
        .order_by(Case.regulatory_breached_at, Case.id)
        .limit(LIST_LIMIT)
    ).all()
    found += [
        Breach(
            r.reference,
            r.tier,
            r.category,
            "regulatory decision 监管决定",
            "15/30/60 days",
            r.regulatory_breached_at,
            r.root_cause or "",
        )
        for r in regulatory
    ]
    found.sort(key=lambda b: (b.at, b.reference))
    return found[:LIST_LIMIT]


def open_actions(session: Session, until: datetime, now: datetime) -> list[OpenAction]:
    """What is still to be done on cases received before ``until``: unresolved escalations first, then open
    tasks, soonest due first."""
    escalations = session.execute(
        select(Case.reference, Escalation.step, Escalation.limit_text, Escalation.created_at)
        .join(Case, Case.id == Escalation.case_id)
        .where(
            Escalation.resolved_at.is_(None),
            Case.received_at < until,
            Case.status.in_((CaseStatus.OPEN, CaseStatus.INCIDENT)),
        )
        .order_by(Escalation.created_at, Escalation.id)
        .limit(LIST_LIMIT)
    ).all()
    actions = [
        OpenAction(r.reference, "escalation", f"{r.step} ({r.limit_text})", None, r.created_at, True)
        for r in escalations
    ]
    tasks = session.execute(
        select(Case.reference, WorkItem.name, WorkItem.lane, WorkItem.due_at)
        .join(Case, Case.id == WorkItem.case_id)
        .where(WorkItem.state.in_(WorkItemState.open_states()), Case.received_at < until)
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        .limit(LIST_LIMIT - len(actions))
    ).all()
    actions += [
        OpenAction(r.reference, "task", r.name, r.lane, r.due_at, r.due_at is not None and r.due_at < now)
        for r in tasks
    ]
    return actions


def previous_month(today: date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
