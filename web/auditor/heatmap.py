"""The heatmap page: one process version's diagram shaded by how many cases passed each element and flow, with
each task's median and 90th-percentile time and its breaches, over a date range and a tier, channel, category.
Read-only, for auditors and supervisors. The figures come from ``engine.reports.heatmap`` (SQL over rows)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

import processes
from engine.clock import as_utc
from engine.models import ProcessVersion
from engine.reports import heatmap as figures
from web.auditor.blueprint import bp
from web.auditor.routes import READERS
from web.db import now, session
from web.labels import TIERS, duration
from web.pages import page

_CHOICE = re.compile(r"^[a-z0-9_]{1,64}$")
FIELDS = ("process", "version", "received_from", "received_to", "tier", "channel", "category")


def _shipped_choices() -> tuple[list[str], list[str]]:
    """The channels and categories of the shipped intake form (the filters' options)."""
    try:
        schema = json.loads(
            (Path(processes.__file__).parent / "forms" / "intake.schema.json").read_text("utf-8")
        )
        fields = schema["properties"]["complaint"]["properties"]
        return list(fields["channel"]["enum"]), list(fields["category"]["enum"])
    except (OSError, KeyError, ValueError):
        return [], []


CHANNELS, CATEGORIES = _shipped_choices()


@dataclass
class Asked:
    values: dict[str, str]
    version: ProcessVersion | None = None
    wanted: figures.Filter = field(default_factory=figures.Filter)
    errors: dict[str, str] = field(default_factory=dict)


@bp.get("/heatmap")
@page(*READERS)
def heatmap():
    """Choose a process version and the cases; see where they went."""
    versions = (
        session()
        .scalars(select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version.desc()))
        .all()
    )
    asked = read(request.args, versions, current_app.config["TIMEZONE"])
    found = None
    if asked.version is not None and not asked.errors:
        found = figures.heatmap(session(), asked.version, asked.wanted, now())
    return render_template(
        "auditor/heatmap.html",
        asked=asked,
        versions=versions,
        heat=found,
        drawn=_drawn(found) if found else None,
        channels=CHANNELS,
        categories=CATEGORIES,
        TIERS=TIERS,
        span=lambda seconds: duration(timedelta(seconds=seconds)),
    ), (422 if asked.errors else 200)


def read(args, versions: list[ProcessVersion], timezone: str) -> Asked:
    """The heatmap the query string asks for; days are in the bank's time zone, the last one included."""
    values = {name: (args.get(name) or "").strip() for name in FIELDS}
    asked = Asked(values)
    errors = asked.errors
    if values["process"]:
        matching = [v for v in versions if v.process_key == values["process"]]
        if not matching:
            errors["process"] = _("Choose one of the options.")
        elif values["version"]:
            chosen = [v for v in matching if str(v.version) == values["version"]]
            if not chosen:
                errors["version"] = _("Choose one of the options.")
            else:
                asked.version = chosen[0]
        else:
            asked.version = matching[0]  # the latest
            values["version"] = str(matching[0].version)
    start = day(values["received_from"], "received_from", errors)
    end = day(values["received_to"], "received_to", errors)
    if start and end and end < start:
        errors["received_to"] = _("The last day comes before the first day.")
    if values["tier"] and values["tier"] not in TIERS:
        errors["tier"] = _("Choose one of the options.")
    for name in ("channel", "category"):
        if values[name] and not _CHOICE.match(values[name]):
            errors[name] = _("Choose one of the options.")
    if not errors:
        zone = ZoneInfo(timezone)
        asked.wanted = figures.Filter(
            received_from=midnight(start, zone),
            received_before=midnight(end + timedelta(days=1), zone) if end else None,
            tier=values["tier"],
            channel=values["channel"],
            category=values["category"],
            timezone=timezone,
        )
    return asked


def day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        found = date.fromisoformat(text)
    except ValueError:
        found = None
    if found is None or not 2000 <= found.year <= 2999:
        errors[name] = _("Enter a date like 2026-03-02.")
        return None
    return found


def midnight(value: date | None, zone: ZoneInfo) -> datetime | None:
    return as_utc(datetime.combine(value, time(), tzinfo=zone)) if value else None


def _drawn(found: figures.Heatmap) -> dict:
    """What the page's script draws: a label and a tooltip per element, the flows' counts."""
    elements = {}
    for element_id in found.diagram.kinds:
        heat = found.elements.get(element_id)
        if found.diagram.kinds[element_id] in (
            "sequenceFlow",
            "lane",
            "laneSet",
            "process",
            "textAnnotation",
        ):
            continue
        if heat is None:
            elements[element_id] = {"passed": 0, "label": "0", "title": "", "breaches": 0}
            continue
        label = str(heat.cases)
        title = [_("%(num)s case(s), %(times)s time(s)", num=heat.cases, times=heat.times)]
        if heat.median_seconds is not None:
            label += f" · {duration(timedelta(seconds=heat.median_seconds))}"
            title.append(
                _(
                    "median %(median)s, 90%% within %(p90)s",
                    median=duration(timedelta(seconds=heat.median_seconds)),
                    p90=duration(timedelta(seconds=heat.p90_seconds)),
                )
            )
        if heat.open:
            label += f" · ⏳{heat.open}"
            title.append(_("%(num)s waiting now", num=heat.open))
        if heat.breaches:
            label += f" · ⚠{heat.breaches}"
            title.append(_("%(num)s late", num=heat.breaches))
        elements[element_id] = {
            "passed": heat.cases,
            "label": label,
            "title": "; ".join(str(t) for t in title),
            "breaches": heat.breaches,
        }
    return {"elements": elements, "flows": found.flows}
