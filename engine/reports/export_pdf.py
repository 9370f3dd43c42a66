"""A case's record (``engine.reports.export.case_record``) as a PDF for a regulator, with reportlab.

Chinese needs a font: reportlab's built-in CID font ``STSong-Light`` is used, which the PDF names and the reader
supplies (every PDF reader with Asian font support has it), so no font file ships with the app. Long values
wrap; the hashes are set small so each fits on its line.
"""

from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11)
_SMALL = ParagraphStyle("small", fontName=FONT, fontSize=6.5, leading=8)
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=19, spaceAfter=4)
_HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
)
WIDTH = A4[0] - 30 * mm


def record_pdf(record: dict[str, Any]) -> bytes:
    case = record["case"]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Case record {case['reference']}",
        author=record["exported_by"],
    )
    story: list = [
        Paragraph(escape(f"Case record 案件记录 {case['reference']}"), _TITLE),
        _p(
            f"Exported {record['exported_at']} by {record['exported_by']} · format {record['format']}", _SMALL
        ),
        Paragraph("The case 案件", _HEADING),
        _pairs(case),
    ]
    if record["customer"]:
        story += [Paragraph("Customer 客户", _HEADING), _pairs(record["customer"])]
    story.append(Paragraph("Path 处理路径", _HEADING))
    for key, process in record["path"].items():
        done = [
            f"{element['name']} ({element_id})"
            + (f" ×{element['completed']}" if element["completed"] > 1 else "")
            + (" — waiting" if element["open"] else "")
            for element_id, element in process["elements"].items()
        ]
        story.append(_p(f"{key} v{process['version']}: " + " → ".join(done)))
        story.append(
            _p("flows taken: " + ", ".join(f"{f} ×{n}" for f, n in process["flows"].items()), _SMALL)
        )
    story += [Paragraph("Tasks 任务", _HEADING), _tasks(record["tasks"])]
    for title, rows, fields in (
        ("Timers 计时器", record["timers"], ("name", "status", "due_at", "fired_at")),
        ("Escalations 升级", record["escalations"], ("created_at", "step", "limit", "level", "recipient")),
        ("Incidents 故障", record["incidents"], ("created_at", "task", "message", "resolved_at")),
        (
            "Notices 通知",
            record["notices"],
            ("created_at", "channel", "recipient", "template", "status", "sent_at"),
        ),
        ("Notes 备注", record["notes"], ("created_at", "kind", "author", "text")),
    ):
        if rows:
            story += [Paragraph(title, _HEADING), _rows(rows, fields)]
    story += [
        Paragraph("Data 案件数据", _HEADING),
        _p(json.dumps(record["data"], ensure_ascii=False, indent=1, sort_keys=True), _SMALL),
        Paragraph("Audit events and the chain's proof 审计事件及哈希链证明", _HEADING),
        _p(f"Hash: {record['proof']['algorithm']}", _SMALL),
        _p(
            f"{record['proof']['events']} event(s), every hash recomputed: "
            + ("intact" if record["proof"]["intact"] else f"BROKEN at {record['proof']['broken']}")
            + (
                f" · the log's head at export: #{record['proof']['log_head']['seq']} "
                f"{record['proof']['log_head']['hash']}"
                if record["proof"]["log_head"]
                else ""
            ),
            _SMALL,
        ),
        Spacer(1, 3),
        _events(record["events"]),
    ]
    document.build(story)
    return out.getvalue()


def _p(text: Any, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)


def _pairs(values: dict[str, Any]) -> Table:
    rows = [[_p("field"), _p("value")]] + [[_p(k), _p(v)] for k, v in values.items() if v not in (None, "")]
    table = Table(rows, colWidths=[35 * mm, WIDTH - 35 * mm], repeatRows=1)
    table.setStyle(_GRID)
    return table


def _rows(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> Table:
    data = [[_p(f, _SMALL) for f in fields]] + [[_p(row.get(f), _SMALL) for f in fields] for row in rows]
    table = Table(data, colWidths=[WIDTH / len(fields)] * len(fields), repeatRows=1)
    table.setStyle(_GRID)
    return table


def _tasks(tasks: list[dict[str, Any]]) -> Table:
    fields = (
        "name",
        "lane",
        "state",
        "created_at",
        "due_at",
        "completed_at",
        "completed_by",
        "late_by_seconds",
    )
    return _rows(tasks, fields)


def _events(events: list[dict[str, Any]]) -> Table:
    data = [[_p(h, _SMALL) for h in ("#", "time, actor, kind", "payload", "prev_hash / hash")]]
    for event in events:
        data.append(
            [
                _p(event["seq"], _SMALL),
                _p(f"{event['occurred_at']}\n{event['actor']}\n{event['kind']}", _SMALL),
                _p(json.dumps(event["payload"], ensure_ascii=False, sort_keys=True), _SMALL),
                _p(f"{event['prev_hash']}\n{event['hash']}", _SMALL),
            ]
        )
    table = Table(data, colWidths=[10 * mm, 38 * mm, WIDTH - 48 * mm - 62 * mm, 62 * mm], repeatRows=1)
    table.setStyle(_GRID)
    return table
