"""Monitoring endpoints: timer lag percentiles and the backlog, as JSON and as Prometheus gauges."""

from __future__ import annotations

from engine import accounts
from engine.cases.engine import CaseEngine
from engine.timers.sla import sweep


def test_lag_percentiles_and_overdue_counts_are_measured(app, deploy, session, clock, db, make_user):
    deploy("engine/review.bpmn", "engine/review.schema.json")
    engine = CaseEngine(session, clock)
    for _ in range(10):  # ten cases whose one-hour timers fall due a minute apart
        engine.start_case("review", {"category": "fees", "amount": 1}, actor="t")
        clock.advance(minutes=1)
    clock.advance(minutes=50, seconds=30)  # 60.5 min after the first start: one timer due, 30 s ago
    sweep(db.session, clock)
    clock.advance(minutes=5)  # five more fall due; nobody sweeps

    client = app.test_client()
    assert client.get("/metrics").status_code == 401  # not for anyone on the network
    auditor = make_user("monitor", role="auditor", departments=())
    token = {"Authorization": f"Bearer {accounts.create_token(session, clock, auditor.username, actor='t')}"}
    figures = client.get("/metrics/sla", headers=token).get_json()

    assert figures["fired"] == 1 and figures["lag_p50_ms"] == 30_000 == figures["lag_max_ms"]
    assert figures["timers_overdue_now"] == 5
    assert figures["tasks_overdue_now"] == 6  # the six reviews past their one-hour deadline
    text = client.get("/metrics", headers=token).get_data(as_text=True)
    assert "complaints_timer_lag_p95_seconds 30.0" in text
    assert "complaints_timers_overdue 5" in text
