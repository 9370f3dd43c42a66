"""The monthly review written out: an HTML page, a PDF (reportlab; Chinese through its built-in CID font, so
no font file is needed) and an .xlsx workbook of its tables (openpyxl), all from one ``MonthlyReview``."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment

from engine.calendar.business import calendar_from_settings
from engine.reports.monthly import MonthlyReview, build, previous_month

FORMATS = ("html", "pdf", "xlsx")
TITLE = "Monthly complaint review 月度投诉分析报告"


def number(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "hours":
        return f"{value / 24:.1f} d" if value >= 48 else f"{value:.1f} h"
    if unit == "cny":
        return f"{value:,.2f}"
    if unit == "count":
        return f"{int(value):,}"
    return f"{value:g}"


def change(measure) -> str:
    if measure.change is None:
        return ""
    sign = "+" if measure.change > 0 else ""
    if measure.unit == "percent":
        return f"{sign}{measure.change:.1f} pts"
    return f"{sign}{number(measure.change, measure.unit)}" if measure.change else "0"


def tables(review: MonthlyReview) -> list[tuple[str, list[str], list[list]]]:
    """Every table of the review: (title, headers, rows); the same in the PDF and the workbook."""
    month, before = review.month, review.previous_month
    return [
        (
            "Figures 主要指标",
            ["Measure 指标", month, before, "Change 变化"],
            [[m.label, number(m.now, m.unit), number(m.before, m.unit), change(m)] for m in review.measures],
        ),
        ("By category 按类别", ["Category 类别", month, before], [list(r) for r in review.by_category]),
        ("By channel 按渠道", ["Channel 渠道", month, before], [list(r) for r in review.by_channel]),
        ("By tier 按级别", ["Tier 级别", month, before], [list(r) for r in review.by_tier]),
        (
            "Top themes 主要投诉主题",
            ["Theme 主题", "Cases 件数", "Words 关键词"],
            [[t.name, t.cases, "、".join(t.words)] for t in review.themes],
        ),
        (
            "Breaches and root causes 超时及根本原因",
            [
                "Case 案件",
                "Tier 级别",
                "Category 类别",
                "Step 环节",
                "Limit 时限",
                "When 时间",
                "Root cause 根本原因",
            ],
            [
                [
                    b.reference,
                    b.tier or "",
                    b.category or "",
                    b.step,
                    b.limit,
                    b.at.strftime("%Y-%m-%d %H:%M"),
                    b.root_cause,
                ]
                for b in review.breaches
            ],
        ),
        (
            "Open actions 待办事项",
            ["Case 案件", "Kind 类型", "What 事项", "Department 部门", "Due 到期", "Overdue 逾期"],
            [
                [
                    a.reference,
                    a.kind,
                    a.what,
                    a.lane or "",
                    a.due_at.strftime("%Y-%m-%d %H:%M") if a.due_at else "",
                    "yes 是" if a.overdue else "",
                ]
                for a in review.open_actions
            ],
        ),
    ]


_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }} {{ review.month }}</title>
<style>
body { font-family: sans-serif; margin: 2rem; color: #1c2430; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #c9ced6; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
.muted { color: #5b6573; }
</style></head><body>
<h1>{{ title }} · {{ review.month }}</h1>
<p class="muted">Complaints received in {{ review.month }}, against {{ review.previous_month }}.
统计口径：本月受理的投诉，与上月对比。 Generated 生成于 {{ review.generated_at.strftime("%Y-%m-%d %H:%M") }} UTC.</p>
{% for name, headers, rows in tables %}
<h2>{{ name }}</h2>
{% if rows %}<table><thead><tr>{% for h in headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% else %}<p class="muted">None this month. 本月无。</p>{% endif %}
{% endfor %}
<p class="muted">Themes: the month's complaint descriptions cut into words (jieba) and grouped by their strongest
words ({{ review.themed_cases }} cases in the top themes). 主题：对本月投诉描述分词后按关键词聚类。</p>
</body></html>
"""
_ENVIRONMENT = Environment(autoescape=True)


def html(review: MonthlyReview) -> str:
    return _ENVIRONMENT.from_string(_HTML).render(review=review, tables=tables(review), title=TITLE)


def xlsx(review: MonthlyReview) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, headers, rows in tables(review):
        sheet = book.create_sheet(title=name.split(" ")[0][:31] if name[0].isascii() else name[:31])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(review: MonthlyReview) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{TITLE} {review.month}",
    )
    story = [
        Paragraph(f"{TITLE} · {review.month}", styles["Title"]),
        Paragraph(
            f"Complaints received in {review.month}, against {review.previous_month}. "
            f"统计口径：本月受理的投诉，与上月对比。",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    for name, headers, rows in tables(review):
        story.append(Paragraph(name, styles["Heading2"]))
        if not rows:
            story.append(Paragraph("None this month. 本月无。", styles["BodyText"]))
            continue
        data = [[Paragraph(_escape(h), cell) for h in headers]]
        data += [[Paragraph(_escape(str(v)), cell) for v in row] for row in rows]
        table = Table(data, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 4 * mm)]
    document.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


RENDER = {"html": lambda r: html(r).encode("utf-8"), "pdf": pdf, "xlsx": xlsx}


def write(review: MonthlyReview, folder: Path) -> list[Path]:
    """Write the review in every format into ``folder``; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in FORMATS:
        path = folder / f"monthly-review-{review.month}.{fmt}"
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(RENDER[fmt](review))
        temporary.replace(path)  # a reader never sees half a file
        written.append(path)
    return written


def first_working_day(year: int, month: int, calendar) -> date:
    day = date(year, month, 1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def write_if_due(session, now: datetime, settings, folder: Path) -> list[Path]:
    """On the month's first working day (the bank's calendar), write last month's review unless it is there.

    The scheduler calls this every hour; it is idempotent (a review already written is left alone), and two
    nodes writing at once each replace the file whole.
    """
    calendar = calendar_from_settings(settings)
    timezone = settings.get("TIMEZONE") or "Asia/Shanghai"
    today = now.astimezone(ZoneInfo(timezone)).date()
    if today != first_working_day(today.year, today.month, calendar):
        return []
    year, month = previous_month(today)
    if all((folder / f"monthly-review-{year:04d}-{month:02d}.{fmt}").exists() for fmt in FORMATS):
        return []
    return write(build(session, year, month, now, timezone), folder)
