"""``/healthz`` for load balancers (open), ``/metrics`` and ``/metrics/sla`` for monitoring (a token)."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import text

from engine.models import Role
from engine.timers.metrics import prometheus, sla_figures
from web.auth import roles_required
from web.db import now, session
from web.ops.blueprint import bp

# The figures say how much work the bank has and how late it is: not for anyone on the network. A monitoring
# system signs in with an API token of a user with one of these roles (``Authorization: Bearer …``).
MONITORS = (Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)


@bp.get("/metrics/sla")
@roles_required(*MONITORS)
def sla_metrics():
    """Timer lag (p50/p95/max over the last hour) and what is overdue now, for monitoring."""
    figures = sla_figures(session(), now())
    return jsonify(figures.as_dict())


@bp.get("/metrics")
@roles_required(*MONITORS)
def prometheus_metrics():
    """The SLA figures as Prometheus gauges."""
    figures = sla_figures(session(), now())
    return Response(prometheus(figures), mimetype="text/plain; version=0.0.4")


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers."""
    session().execute(text("SELECT 1"))
    return jsonify(status="ok")
