"""The knowledge base for agents: search the deployed version from a task page (``/agent/knowledge?q=...``).

Read-only. It shows the entries as the advisory path would send them, with the version they come from, so an
agent answering a customer by phone gives the same answer the bank's automatic reply does.
"""

from __future__ import annotations

from flask import current_app, render_template, request

from engine.cases import access
from engine.cases.adapters import DeployedKnowledgeBase
from engine.knowledge import base as kb
from engine.models import WorkItem
from web.agent.blueprint import bp
from web.agent.routes import WORKERS
from web.db import session
from web.pages import me, page

QUERY_MAX = 200
RESULTS = 20


@bp.get("/knowledge")
@page(*WORKERS)
def knowledge():
    query = request.args.get("q", "").strip()[:QUERY_MAX]
    version = kb.latest(session())
    if version is not None:
        entries = version.entries
    else:  # nothing deployed yet: the file the advisory path falls back on
        entries = kb.entries_of(DeployedKnowledgeBase(session(), current_app.config).current())
    found = kb.search(entries, query, RESULTS) if query else []
    # A link back to the task the search came from, when the person may see it.
    task = session().get(WorkItem, request.args.get("task", type=int) or 0)
    back = task if task is not None and access.can_see_task(me(), task) else None
    return render_template("agent/knowledge.html", query=query, found=found, version=version, back=back)
