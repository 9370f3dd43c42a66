from flask import Response, current_app, jsonify, render_template
from sqlalchemy import text

from engine.clock import as_utc
from engine.metrics import prometheus, sla_figures
from web.db import session
from web.public import bp


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/metrics/sla")
def sla_metrics():
    """Timer lag (p50/p95/max over the last hour) and what is overdue now, for monitoring."""
    figures = sla_figures(session(), as_utc(current_app.config["CLOCK"]()))
    return jsonify(figures.as_dict())


@bp.get("/metrics")
def prometheus_metrics():
    """The SLA figures as Prometheus gauges."""
    figures = sla_figures(session(), as_utc(current_app.config["CLOCK"]()))
    return Response(prometheus(figures), mimetype="text/plain; version=0.0.4")


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers."""
    session().execute(text("SELECT 1"))
    return jsonify(status="ok")
