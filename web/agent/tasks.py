"""One task for the person working it: its case, what the customer's details show, the diagram's instructions
rendered with the case's data, and where to go after completing it. No Flask here.

Masking rule (the customer's phone and ID are shown only where the task needs them):

- the phone, on a customer-facing task that is open: the diagram gives it to the case owner (``assignTo`` =
  ``owner``, first-owner responsibility: every step that talks to the customer goes through the owner), or its
  form records a contact with the customer (a ``reached`` answer, as on a call);
- the customer ID, when the task's form asks for an account or card to act on (``account``): the agent looks
  the customer up in core banking to find it.

Back-office tasks (risk tracing funds, a supervisor approving a settlement) and finished tasks show both masked;
so does the case workspace. The diagram's instructions are rendered with the same masked data, so a
``{{ customer.phone }}`` there shows what the page shows.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import ChainableUndefined, TemplateError
from SpiffWorkflow.exceptions import TaskNotFoundException
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import SandboxViolation
from engine.models import AuditEvent, Case, Customer, User, WorkItem, WorkItemState
from engine.scripting import templates
from engine.scripting.templates import InstructionsEnvironment
from engine.store.serialization import SERIALIZER, LoadedVersion
from web.masking import mask_id, mask_phone
from web.schema_forms import CHOICES, choice_label

INSTRUCTIONS = "instructionsForEndUser"
_ENDS = re.compile(r"[.:;!?。：；！？]$")
# The line that starts the Chinese half of a diagram's instructions (see ``in_language``).
_CHINESE_PART = re.compile(r"^[ \t]*-{3,}[ \t]*中文[ \t]*-{3,}[ \t]*\n?", re.M)
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Needs:
    phone: bool = False
    id: bool = False


def needs(item: WorkItem, schema: dict | None) -> Needs:
    """Which of the customer's details this task needs in clear (see the module's docstring)."""
    if not item.is_open:
        return Needs()
    properties = (schema or {}).get("properties", {})
    return Needs(phone=item.assign_to == "owner" or "reached" in properties, id="account" in properties)


@dataclass
class Person:
    """A customer as the page shows them: the phone and ID masked unless the task needs them."""

    name: str
    segment: str
    phone: str
    external_id: str
    phone_masked: bool
    id_masked: bool

    @classmethod
    def of(cls, customer: Customer | None, shown: Needs = Needs()) -> Person | None:
        if customer is None:
            return None
        return cls(
            name=customer.name,
            segment=customer.segment,
            phone=customer.phone if shown.phone else mask_phone(customer.phone),
            external_id=customer.external_id if shown.id else mask_id(customer.external_id),
            phone_masked=not shown.phone,
            id_masked=not shown.id,
        )


# ------------------------------------------------------------------ instructions


@dataclass
class Block:
    """A paragraph (its lines) or a bulleted list (its items) of the instructions, as plain text."""

    kind: str  # "p" | "ul"
    lines: list[str] = field(default_factory=list)


def _environment(timezone: str) -> InstructionsEnvironment:
    zone = ZoneInfo(timezone)

    def finalize(value: Any) -> Any:
        """How a value prints: moments in the bank's time zone, known codes as words, lists joined."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and _ISO_MOMENT.match(value):
            try:
                return (
                    datetime.fromisoformat(value.replace("Z", "+00:00"))
                    .astimezone(zone)
                    .strftime("%Y-%m-%d %H:%M")
                )
            except ValueError:
                return value
        if isinstance(value, str) and value in CHOICES:
            return choice_label(value)
        if isinstance(value, list | tuple):
            return ", ".join(str(finalize(v)) for v in value)
        return value

    # The output is plain text: the page escapes it as a whole, so neither the case's data nor the diagram's
    # own text can put markup on the page. The sandbox keeps the template away from Python's internals, and
    # a missing variable (a branch the case did not take) prints as nothing instead of failing.
    # The size guards of diagram expressions apply too, and rendering is bounded (engine/scripting/templates.py).
    return InstructionsEnvironment(autoescape=False, undefined=ChainableUndefined, finalize=finalize)


def in_language(template: str, language: str) -> str:
    """The part of bilingual instructions for ``language``: a diagram writes the English text, then a line
    ``--- 中文 ---``, then the Chinese text. Instructions in one language only are shown as they are, and so
    is the other half when the wanted one is empty."""
    parts = _CHINESE_PART.split(template, maxsplit=1)
    if len(parts) == 1:
        return template
    english, chinese = parts
    wanted, other = (chinese, english) if language.startswith("zh") else (english, chinese)
    return wanted if wanted.strip() else other


def render_instructions(
    template: str | None, data: dict, timezone: str, language: str = "en"
) -> list[Block] | None:
    """The diagram's instructions for a task in ``language``, rendered with ``data``, as blocks of text; None
    if it has none.

    A template that does not render (a mistake in the diagram) is shown as written rather than hiding the
    instructions.
    """
    if not template or not template.strip():
        return None
    template = in_language(template, language)
    try:
        text = templates.render(_environment(timezone), template, data)
    except (TemplateError, ValueError, TypeError, ArithmeticError, SandboxViolation):
        text = template
    return blocks(text)


def blocks(text: str) -> list[Block]:
    """Blank lines separate paragraphs; lines starting with "- " or "* " are list items; a line that carries
    on an unfinished sentence (it starts in lowercase) joins the line before it."""
    out: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        current: Block | None = None
        for line in chunk.splitlines():
            if not line.strip():
                continue
            bullet = re.match(r"^\s*[-*]\s+(.*)$", line)
            kind = "ul" if bullet else "p"
            text = bullet.group(1).strip() if bullet else line.strip()
            if current is not None and current.kind == kind == "p" and _continues(current.lines[-1], text):
                current.lines[-1] += " " + text  # a sentence the diagram's author broke over two lines
                continue
            if current is None or current.kind != kind:
                current = Block(kind)
                out.append(current)
            current.lines.append(text)
    return out


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` carries on the sentence of ``previous``: it had not ended, and this starts lowercase."""
    return not _ENDS.search(previous) and line[:1].islower()


def task_data(session: Session, loaded: LoadedVersion, case: Case, item: WorkItem) -> tuple[str | None, dict]:
    """The task's instructions template and its data (the case's process variables where the task stands)."""
    state = session.scalar(select(Case.state).where(Case.id == case.id))
    if not state:
        return None, {}
    workflow = SERIALIZER.load_state(state, loaded.spec, loaded.subprocess_specs)
    try:
        task = workflow.get_task_from_id(UUID(item.task_id))
    except (TaskNotFoundException, ValueError):
        return None, {}
    extensions = getattr(task.task_spec, "extensions", None) or {}
    return extensions.get(INSTRUCTIONS), dict(task.data)


def masked_data(data: dict, shown: Needs) -> dict:
    """The data with the customer's phone and ID masked as the page masks them."""
    customer = data.get("customer")
    if not isinstance(customer, dict):
        return data
    data = {**data, "customer": copy.deepcopy(customer)}
    if not shown.phone and isinstance(customer.get("phone"), str):
        data["customer"]["phone"] = mask_phone(customer["phone"])
    if not shown.id and isinstance(customer.get("id"), str):
        data["customer"]["id"] = mask_id(customer["id"])
    return data


# ------------------------------------------------------------------ around the task


def entered(events) -> dict[int, dict]:
    """What was entered on each completed task, by work item id, from the case's ``task.completed`` events."""
    out: dict[int, dict] = {}
    for event in events:
        payload = event.payload or {}
        if event.kind == "task.completed" and isinstance(payload.get("work_item"), int):
            changes = payload.get("changes") or {}
            out[payload["work_item"]] = {
                k: v.get("to") if isinstance(v, dict) else v for k, v in changes.items()
            }
    return out


def recorded(session: Session, item: WorkItem) -> dict[str, Any]:
    """What the person who completed the task entered."""
    if item.state != WorkItemState.COMPLETED:
        return {}
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id == item.case_id, AuditEvent.kind == "task.completed")
        .order_by(AuditEvent.seq)
    )
    return entered(events).get(item.id, {})


def next_task(session: Session, user: User, case_id: int) -> WorkItem | None:
    """The person's next task on the same case: one assigned to them, else a ready one of their lanes."""
    items = session.scalars(
        select(WorkItem)
        .where(WorkItem.case_id == case_id, WorkItem.state.in_(WorkItemState.open_states()))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
    ).all()
    mine = [i for i in items if i.assignee_id == user.id]
    ready = [i for i in items if i.state == WorkItemState.READY and user.can_work_lane(i.lane)]
    return (mine or ready or [None])[0]
