"""Where cases went on their diagrams: one row per element completed and per sequence flow taken.

The engine writes these in the step that completes the element or takes the flow (engine/runtime/visits.py),
so the heatmap of a process version counts rows instead of loading case states. A flow is stored by its two
ends (SpiffWorkflow keeps no flow ids); the diagram's XML names the flow between them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
