"""The studio's blueprint and its Content-Security-Policy (process owners and administrators).

The studio's pages run bpmn-js, dmn-js and the properties panel (bundled from the npm registry into
``web/static/build/``). Those libraries set element styles from script, and a few of their templates carry
``style`` attributes, so these pages, and only these, allow inline style *attributes*
(``style-src-attr 'unsafe-inline'``): a style attribute cannot run script, and ``<style>`` elements and
inline scripts stay forbidden here as everywhere. Every other header is the app's.
"""

from flask import Blueprint

from engine.errors import Problem
from web.problem_texts import text
from web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("owner", __name__, url_prefix="/owner")

STUDIO_CSP = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"


@bp.after_request
def _studio_policy(response):
    # Set before the app's own after_request, which only fills headers that are not set yet.
    response.headers["Content-Security-Policy"] = STUDIO_CSP
    return response


@bp.app_template_filter("problem_text")
def _problem_text(problem) -> str:
    """A deploy problem (a ``Problem`` or its JSON form) in the page's language."""
    if isinstance(problem, dict):
        problem = Problem(
            problem["file"],
            problem["message"],
            problem.get("element"),
            problem.get("code") or "",
            problem.get("params") or {},
        )
    return text(problem)
