"""The JSON shapes the studio's endpoints answer with (documented in ``studio_openapi.py``)."""

from __future__ import annotations

from typing import Any

from engine.errors import NotFound, Problem, ValidationFailed
from engine.models import Draft, DraftRevision
from engine.studio.catalog import VersionRow
from engine.studio.checks import Checked, problem_dict
from engine.studio.trying import TryReport
from web import problem_texts
from web.api.shapes import iso, version


def version_row(row: VersionRow) -> dict[str, Any]:
    return {
        "id": row.version.id,
        **version(row.version, row.deployment),
        "cases": row.cases,
        "open_cases": row.open_cases,
    }


def draft(row: Draft) -> dict[str, Any]:
    return {
        "id": row.id,
        "process": row.process_key,
        "base_version_id": row.base_version_id,
        "main_file": row.main_file,
        "title": row.title,
        "revision": row.revision,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "saved_by": row.saved_by,
        "saved_at": iso(row.saved_at),
        "deployed_at": iso(row.deployed_at),
        "files": [{"name": f.name, "sha256": f.sha256} for f in row.files],
    }


def revision(row: DraftRevision) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "saved_by": row.saved_by,
        "saved_at": iso(row.saved_at),
        "action": row.action,
        "restored_from": row.restored_from,
        "files": [{"name": name, "sha256": digest} for name, digest in sorted(row.files.items())],
    }


def file_text(row: Draft, name: str) -> dict[str, Any]:
    found = next((f for f in row.files if f.name == name), None)
    if found is None:
        raise NotFound(f"draft {row.id} has no file {name!r}")
    try:
        text = found.content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("the file is not UTF-8 text", {"name": "cannot be edited as text"}) from None
    return {"name": found.name, "sha256": found.sha256, "content": text}


def problem(item: Problem) -> dict[str, Any]:
    """A problem with ``text``: its message in the request's language (``message`` stays English)."""
    return {**problem_dict(item), "text": problem_texts.text(item)}


def checks(result: Checked) -> dict[str, Any]:
    return {"ok": result.ok, "problems": [problem(p) for p in result.problems]}


def try_report(report: TryReport) -> dict[str, Any]:
    body = report.to_dict()
    body["since"], body["until"] = iso(report.since), iso(report.until)
    return body


def run_state(state: dict[str, Any]) -> dict[str, Any]:
    body = dict(state)
    body["now"] = iso(state["now"])
    body["ready"] = [{**t, "due_at": iso(t["due_at"])} for t in state["ready"]]
    body["timers"] = [{**t, "due_at": iso(t["due_at"])} for t in state["timers"]]
    return body
