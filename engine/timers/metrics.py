"""SLA figures for monitoring: how late timers fire (lag) and how many are overdue right now."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Escalation, Timer, TimerStatus, WorkItem, WorkItemState

SAMPLE = 10_000  # the most recent fired timers in the window are enough for stable percentiles


@dataclass
class SlaFigures:
    window_seconds: int
    fired: int
    lag_p50_ms: int | None
    lag_p95_ms: int | None
    lag_max_ms: int | None
    timers_overdue_now: int
    tasks_overdue_now: int
    escalations_open: int

    def as_dict(self) -> dict:
        return asdict(self)


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def sla_figures(session: Session, now: datetime, window: timedelta = timedelta(hours=1)) -> SlaFigures:
    """Lag of the timers fired in ``window`` and the backlog at ``now``; every query uses an index."""
    rows = session.execute(
        select(Timer.due_at, Timer.fired_at)
        .where(Timer.status == TimerStatus.FIRED, Timer.due_at >= now - window)
        .order_by(Timer.due_at.desc())
        .limit(SAMPLE)
    ).all()
    lags = sorted((fired - due).total_seconds() * 1000 for due, fired in rows if fired is not None)
    # A timer still waiting a second after its due time is late: the sweep runs every half second.
    overdue = session.scalar(
        select(func.count()).where(
            Timer.status == TimerStatus.WAITING, Timer.due_at < now - timedelta(seconds=1)
        )
    )
    tasks = session.scalar(
        select(func.count()).where(WorkItem.state.in_(WorkItemState.open_states()), WorkItem.due_at < now)
    )
    escalations = session.scalar(select(func.count()).where(Escalation.resolved_at.is_(None)))
    return SlaFigures(
        window_seconds=int(window.total_seconds()),
        fired=len(lags),
        lag_p50_ms=round(_percentile(lags, 0.50)) if lags else None,
        lag_p95_ms=round(_percentile(lags, 0.95)) if lags else None,
        lag_max_ms=round(lags[-1]) if lags else None,
        timers_overdue_now=overdue,
        tasks_overdue_now=tasks,
        escalations_open=escalations,
    )


def prometheus(figures: SlaFigures) -> str:
    """The same figures in Prometheus' text exposition format (gauges)."""
    lines = []
    for name, value, help_text in (
        ("complaints_timer_lag_p50_seconds", figures.lag_p50_ms, "Median timer lag over the window"),
        ("complaints_timer_lag_p95_seconds", figures.lag_p95_ms, "95th percentile timer lag over the window"),
        ("complaints_timer_lag_max_seconds", figures.lag_max_ms, "Largest timer lag over the window"),
    ):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        lines.append(f"{name} {value / 1000 if value is not None else 'NaN'}")
    for name, value, help_text in (
        ("complaints_timers_fired_window", figures.fired, "Timers fired in the window"),
        ("complaints_timers_overdue", figures.timers_overdue_now, "Waiting timers more than 1 s past due"),
        ("complaints_tasks_overdue", figures.tasks_overdue_now, "Open tasks past their deadline"),
        ("complaints_escalations_open", figures.escalations_open, "Escalations not yet resolved"),
    ):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
    return "\n".join(lines) + "\n"
