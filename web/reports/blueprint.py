"""The ``reports`` blueprint (the figures: dashboard, cases behind a number, monthly review, regulatory
statistics) and its Content-Security-Policy.

The dashboard's charts are drawn by ECharts (bundled from the npm registry into ``web/static/build/``), which
sets element styles from script; so these pages, like the studio's, allow inline style *attributes*
(``style-src-attr 'unsafe-inline'``) and nothing more: inline scripts and ``<style>`` elements stay forbidden.
"""

from flask import Blueprint

from engine.models import Role
from web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("reports", __name__, url_prefix="/reports")

# Who sees the figures. The manager sees figures and case references, never a customer's data.
READERS = (Role.SUPERVISOR, Role.AUDITOR, Role.MANAGER)
CASE_READERS = (Role.SUPERVISOR, Role.AUDITOR)  # may open a case's trace from a list

REPORTS_CSP = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"


@bp.after_request
def _reports_policy(response):
    response.headers["Content-Security-Policy"] = REPORTS_CSP
    return response
