"""Where cases went on their diagrams: one row per element completed and per sequence flow taken.

The engine writes these in the step that completes the element or takes the flow (engine/runtime/visits.py),
so the heatmap of a process version counts rows instead of loading case states. A flow is stored by its two
ends (SpiffWorkflow keeps no flow ids); the diagram's XML names the flow between them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base, BigId, intpk


class VisitKind:
    ELEMENT = "element"  # the element completed (a boundary event: its timer or message fired)
    FLOW = "flow"  # the flow from ``source_id`` to ``element_id`` was taken


class ElementVisit(Base):
    __tablename__ = "element_visits"
    __table_args__ = (
        # The heatmap: one process's rows, counted per element (the case filters join on case_id).
        Index("ix_element_visits_process", "process_key", "kind", "element_id"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    # The process the element belongs to: the case's own, or a called one (a tier's path).
    process_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    element_id: Mapped[str] = mapped_column(String(255))
    source_id: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime]


class VisitSummary(Base):
    """The heatmap's counts kept per day: ``element_visits`` added up by the engine step as it writes them.

    One row per (the bank's local day the case was received — and again per month, ``span`` "month" with the
    month's first day —, the case's process version, the element's
    process, element or flow, the case's tier, channel and category): how many times it was completed or
    taken, and by how many cases. A case's rows always sit under its current day, version and triage, so the
    cases of disjoint rows add up (engine/runtime/summaries.py moves them when a re-triage changes them).
    Text dimensions that are empty on the case are stored as ``''``; ``source_id`` is ``''`` for elements.
    """

    __tablename__ = "visit_summaries"
    __table_args__ = (
        # The heatmap reads one process over a range of days of a few versions: every column it needs is in
        # this index (an index-only scan on PostgreSQL).
        Index(
            "ix_visit_summaries_read",
            "process_key",
            "span",
            "version_id",
            "day",
            postgresql_include=[
                "tier",
                "channel",
                "category",
                "kind",
                "source_id",
                "element_id",
                "times",
                "cases",
            ],
        ),
    )

    span: Mapped[str] = mapped_column(String(5), primary_key=True)  # "day", or "month" (``day`` its first)
    day: Mapped[date] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    process_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    times: Mapped[int] = mapped_column(BigInteger)
    cases: Mapped[int] = mapped_column(BigInteger)


class TaskTimeSummary(Base):
    """The time people's tasks took, as a histogram per day, case version, task element and triage, and the
    tasks that ended past their deadline.

    ``bucket`` is the lower bound in seconds of the time a completed task took (created to completed): one
    minute wide under a day, one hour under 30 days, one day beyond (``engine.runtime.summaries.bucket``).
    ``tasks`` counts the completed tasks in it, ``seconds`` adds up their times; ``breaches`` counts those
    completed after their deadline. Tasks
    cancelled after their deadline (an interrupting timer, a cancelled branch) took no time of their own:
    they count as ``breaches`` under ``bucket`` = -1.
    """

    __tablename__ = "task_time_summaries"
    __table_args__ = (
        Index(
            "ix_task_time_summaries_read",
            "span",
            "version_id",
            "day",
            postgresql_include=[
                "element_id",
                "tier",
                "channel",
                "category",
                "bucket",
                "tasks",
                "breaches",
                "seconds",
            ],
        ),
    )

    span: Mapped[str] = mapped_column(String(5), primary_key=True)  # "day" or "month", as in visit_summaries
    day: Mapped[date] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tasks: Mapped[int] = mapped_column(BigInteger)
    breaches: Mapped[int] = mapped_column(BigInteger)
    seconds: Mapped[float] = mapped_column(
        Float
    )  # the completed tasks' times added up (their mean, alone exact)
