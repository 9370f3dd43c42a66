"""The monthly review from the figures' pages: the last twelve months, each downloadable as HTML, PDF or .xlsx.

The review is built when asked for (its queries are the dashboard's, over one month and the one before), so a
download is always current; the scheduler also writes it to ``REPORTS_DIR`` on the month's first working day.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template
from flask_babel import gettext as _

from engine.errors import NotFound, ValidationFailed
from engine.reports import monthly, monthly_render
from web.db import now, session
from web.pages import page
from web.reports.blueprint import READERS, bp

MONTHS_LISTED = 12
MIMETYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/monthly")
@page(*READERS)
def monthly_list():
    """The months whose review can be downloaded: the last twelve, the current one (so far) first."""
    today = now().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    year, month = today.year, today.month
    months = []
    for _n in range(MONTHS_LISTED):
        months.append(f"{year:04d}-{month:02d}")
        year, month = monthly.previous_month(today.replace(year=year, month=month, day=1))
    return render_template("reports/monthly.html", months=months, formats=monthly_render.FORMATS)


@bp.get("/monthly/<month>.<fmt>")
@page(*READERS)
def monthly_download(month: str, fmt: str):
    """One month's review in one format, built now."""
    if fmt not in MIMETYPES:
        raise NotFound(_("There is no such format."))
    try:
        year, number = monthly.parse_month(month)
    except ValidationFailed:
        raise NotFound(_("There is no such month.")) from None
    review = monthly.build(session(), year, number, now(), current_app.config["TIMEZONE"])
    body = monthly_render.RENDER[fmt](review)
    response = Response(body, mimetype=MIMETYPES[fmt])
    if fmt != "html":
        response.headers["Content-Disposition"] = f'attachment; filename="monthly-review-{month}.{fmt}"'
    else:
        # The report page is self-contained: it carries its own small stylesheet.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
