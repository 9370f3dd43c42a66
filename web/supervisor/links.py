"""Links from the supervisor's pages to pages other areas own: the agent's task and case pages once they exist,
else the REST API's view of the same thing (read-only, but never a dead link)."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.routing import BuildError


def _page_or_api(endpoint: str, api_path: str, **values) -> str:
    if endpoint in current_app.view_functions:
        try:
            return url_for(endpoint, **values)
        except BuildError:  # the other area named its parameter differently: the API still answers
            pass
    return api_path


def task_link(task_id: int) -> str:
    return _page_or_api("agent.task", f"/api/v1/tasks/{task_id}", task_id=task_id)


def case_link(case_id: int) -> str:
    return _page_or_api("agent.case", f"/api/v1/complaints/{case_id}", case_id=case_id)
