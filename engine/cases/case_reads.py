"""What every engine step reads: a version's parsed specs, the case and work item rows fresh from the database,
the locks that hold them, and the workflow restored from its stored state.

``CaseEngine`` (engine.py) inherits these; they need only ``self.session`` and ``self.reads``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, undefer

from engine import forms
from engine.errors import NotFound
from engine.models import Case, ProcessVersion, Timer, TimerStatus, WorkItem
from engine.store.serialization import SERIALIZER, SPECS, LoadedVersion

# Built once: the rows every step reads, fresh from the database (never from the identity map).
_WORK_ITEM_AND_CASE = (
    select(WorkItem, Case)
    .join(Case, Case.id == WorkItem.case_id)
    .where(WorkItem.id == bindparam("work_item_id"))
    .options(undefer(Case.state))
    .execution_options(populate_existing=True)
)
_CASE_FOR_UPDATE = select(Case.id).where(Case.id == bindparam("case_id")).with_for_update()
_CASE_TIMERS_FOR_UPDATE = (
    select(Timer.id)
    .where(Timer.case_id == bindparam("case_id"), Timer.status == TimerStatus.WAITING)
    .order_by(Timer.id)
    .with_for_update()
)
_CASE_WITH_STATE = (
    select(Case)
    .where(Case.id == bindparam("case_id"))
    .options(undefer(Case.state))
    .execution_options(populate_existing=True)
)


class CaseReads:
    """The reads of one engine (mixed into ``CaseEngine``)."""

    session: Session
    reads: dict[tuple, Any]
    _database_key: str

    def loaded(self, version_id: int) -> LoadedVersion:
        """The parsed specs and forms of a version (cached: parsed once per process, not per case or step).

        Versions are immutable and never deleted, so (database, version id) is a safe cache key.
        """
        return SPECS.get(
            (self._database_key, version_id),
            lambda: self.session.execute(
                select(ProcessVersion.spec_json, ProcessVersion.forms).where(ProcessVersion.id == version_id)
            ).one(),
        )

    def task_properties(self, version_id: int):
        """A look-up of the diagram properties (``spiffworkflow:property``) of a version's tasks by spec id."""
        key = ("task_properties", version_id)
        if key not in self.reads:
            loaded = self.loaded(version_id)
            found: dict[str, dict] = {}
            for spec in (loaded.spec, *loaded.subprocess_specs.values()):
                for task_id, task_spec in spec.task_specs.items():
                    properties = ((getattr(task_spec, "extensions", None) or {}).get("properties")) or {}
                    if properties:
                        found.setdefault(task_id, dict(properties))
            self.reads[key] = found
        table = self.reads[key]
        return lambda spec_id: table.get(spec_id, {})

    def specs(self, version: ProcessVersion):
        loaded = self.loaded(version.id)
        return loaded.spec, loaded.subprocess_specs

    def work_item_and_case(self, work_item_id: int, *, lock: bool = False) -> tuple[WorkItem, Case]:
        """Both rows in one query, read fresh inside the step's transaction (not from the identity map).

        ``lock``: hold the case's rows until the transaction ends (``lock_case``)."""
        if lock:
            case_id = self.session.scalar(select(WorkItem.case_id).where(WorkItem.id == work_item_id))
            if case_id is not None:
                self.lock_case(case_id)
        row = self.session.execute(_WORK_ITEM_AND_CASE, {"work_item_id": work_item_id}).first()
        if row is None:
            raise NotFound(f"task {work_item_id} does not exist")
        return row.WorkItem, row.Case

    def read_case(self, case_id: int, *, lock: bool = False) -> Case:
        """The case row with its workflow state, read fresh in the open transaction (``lock``: and its rows
        held until it ends, ``lock_case``)."""
        if lock:
            self.lock_case(case_id)
        case = self.session.scalar(_CASE_WITH_STATE, {"case_id": case_id})
        if case is None:
            raise NotFound(f"case {case_id} does not exist")
        return case

    def lock_case(self, case_id: int, *, with_timers: bool = True) -> None:
        """Hold a case's row (and first its waiting timer rows) until the step's transaction ends, so that what
        the step checked before writing (the revision) cannot change under it. PostgreSQL only: on SQLite the
        write lock already holds everything. Timers before the case, the order the SLA sweep takes them in
        (it claims its timer rows, then steps their cases), so that the two never wait for each other in a
        circle."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        if with_timers:
            self.session.execute(_CASE_TIMERS_FOR_UPDATE, {"case_id": case_id})
        self.session.execute(_CASE_FOR_UPDATE, {"case_id": case_id})

    def _work_item(self, work_item_id: int) -> WorkItem:
        item = self.session.get(WorkItem, work_item_id)
        if item is None:
            raise NotFound(f"task {work_item_id} does not exist")
        return item

    def load_workflow(self, case: Case) -> BpmnWorkflow:
        """The case's SpiffWorkflow workflow, restored from its stored state on its version's specs."""
        loaded = self.loaded(case.process_version_id)
        spec, subprocess_specs = loaded.spec, loaded.subprocess_specs
        return SERIALIZER.load_state(case.state, spec, subprocess_specs)

    @staticmethod
    def find_task(workflow: BpmnWorkflow, task_id: str):
        try:
            return workflow.get_task_from_id(UUID(task_id))
        except (TaskNotFoundException, ValueError):
            return None

    def form_schema(self, case: Case, form: str | None) -> dict | None:
        """A form of the case's version as deployed (with its variants, if it has any)."""
        return None if form is None else self.loaded(case.process_version_id).forms.get(form)

    def task_form(self, case: Case, item: WorkItem) -> dict | None:
        """The form a task asks on this case: the one place the pages, the API and completion get it from.

        A task whose diagram sets ``formVariant`` (say ``tier``) gets the form's variant for the case's value
        of it, read from the case row now, so a case re-triaged before its follow-up is asked its new tier's
        question (engine/forms.py)."""
        schema = self.form_schema(case, item.form)
        if not schema or forms.VARIANTS not in schema:
            return schema
        by = self.task_properties(case.process_version_id)(item.spec_id).get(forms.VARIANT_PROPERTY)
        return forms.variant_schema(schema, forms.variant_key(case, by), by)
