"""The operator's CLI, through Flask's runner against the real database: clear output, honest exit codes."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from engine.models import ApiToken, AuditCheckpoint, AuditEvent, OutboxMessage, TaskAnswer, User
from tests.paths import DATA, PROCESSES


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_init_db_is_idempotent_and_creates_the_departments(app):
    first, second = run(app, "init-db"), run(app, "init-db")
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "database ready" in second.output


def test_deploy_prints_each_version_and_redeploy_reports_unchanged(app, tmp_path):
    folder = tmp_path / "processes"
    (folder / "forms").mkdir(parents=True)  # forms may sit in a sub-folder: diagrams name them bare
    for name in ("five_tasks.bpmn", "review.bpmn"):
        (folder / name).write_bytes((DATA / "engine" / name).read_bytes())
    (folder / "forms" / "review.schema.json").write_bytes((DATA / "engine/review.schema.json").read_bytes())
    (folder / "notes.txt").write_text("not a diagram")
    first = run(app, "deploy", str(folder))
    assert first.exit_code == 0, first.stderr
    assert "deployed five_tasks v1" in first.output and "deployed review v1" in first.output
    again = run(app, "deploy", str(folder))
    assert again.exit_code == 0
    assert "unchanged five_tasks v1" in again.output


def test_a_refused_deploy_exits_non_zero_with_one_line_per_problem(app, tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(b"<not xml")
    missing = tmp_path / "nowhere.bpmn"
    result = run(app, "deploy", str(bad), str(missing))
    assert result.exit_code == 1
    assert "nowhere.bpmn: no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr + result.output


def test_users_create_validates_role_and_department(app):
    run(app, "init-db")
    ok = run(
        app,
        "users",
        "create",
        "li.na",
        "--role",
        "agent",
        "--department",
        "frontline",
        "--department",
        "risk",
        "--password",
        "correct-horse",
    )
    assert ok.exit_code == 0, ok.stderr
    assert "created li.na (agent; frontline, risk)" in ok.output
    unknown = run(app, "users", "create", "wang", "--role", "agent", "--department", "marketing")
    assert unknown.exit_code == 1 and "unknown marketing" in unknown.stderr
    bad_role = run(app, "users", "create", "wang", "--role", "boss")
    assert bad_role.exit_code == 2 and "boss" in bad_role.stderr
    duplicate = run(app, "users", "create", "li.na", "--role", "agent")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.stderr


def test_tokens_create_prints_the_token_alone_on_the_last_line_and_stores_only_its_hash(app, session):
    run(app, "users", "create", "channel.app", "--role", "agent", "--department", "frontline")
    result = run(app, "tokens", "create", "channel.app")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("cpl_") and " " not in token and len(token) > 40
    stored = session.scalars(select(ApiToken)).one()
    assert token not in (stored.token_hash, stored.prefix) and stored.prefix == token[:12]
    assert session.scalar(select(User.username).where(User.id == stored.user_id)) == "channel.app"
    assert run(app, "tokens", "create", "ghost").exit_code == 1


def test_audit_verify_reports_a_broken_chain_with_exit_status_1(app, session):
    run(app, "users", "create", "a1", "--role", "auditor")
    run(app, "users", "create", "a2", "--role", "auditor")
    assert run(app, "audit", "verify").exit_code == 0
    session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="someone else"))
    session.commit()
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert "broken at event 1" in result.output


def test_sla_tick_runs_one_sweep(app):
    result = run(app, "sla", "tick")
    assert result.exit_code == 0 and "fired 0 timer(s)" in result.output


def test_outbox_send_hands_due_messages_to_the_notifier(app, session, clock):
    session.add(
        OutboxMessage(
            channel="sms",
            recipient="customer:1",
            template="decision_extended",
            payload={},
            created_at=clock(),
            next_attempt_at=clock(),
        )
    )
    session.commit()
    result = run(app, "outbox", "send")
    assert result.exit_code == 0 and "sent 1, retrying 0, given up 0" in result.output
    assert [n.template for n in app.config["NOTIFIER"].sent] == ["decision_extended"]  # the local stand-in


def test_a_database_that_is_not_initialised_gives_a_readable_error(tmp_path):
    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "TESTING": True})
    result = run(app, "users", "create", "x1", "--role", "auditor")
    assert result.exit_code == 1
    assert "database error" in result.stderr and "init-db" in result.stderr


def test_deploying_hostile_xml_is_refused_by_the_cli_without_a_traceback(app, tmp_path):
    laughs = tmp_path / "laughs.bpmn"
    laughs.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>'
    )
    external = tmp_path / "external.bpmn"
    external.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>'
    )
    result = run(app, "deploy", str(laughs), str(external))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    assert len(lines) == 2
    assert all("DOCTYPE" in line or "DTD" in line for line in lines)
    assert "root:" not in result.stderr + result.output and "Traceback" not in result.stderr


def test_seed_demo_creates_users_and_a_dozen_living_complaints_once(app, session):
    from engine.models import Case, User

    processes = PROCESSES
    assert run(app, "deploy", str(processes)).exit_code == 0
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.stderr
    # 12 living complaints, and 2 that show the service standard (two approvers; a re-triaged case).
    from engine.cases.demo import DEMO_USERS

    created = f"{len(DEMO_USERS)} demo users created"
    assert created in first.output and "14 demo complaints filed" in first.output
    tiers = {t for (t,) in session.execute(select(Case.tier))}
    assert tiers == {"urgent", "general", "advisory"}
    owner = session.scalar(select(User.id).where(User.username == "agent.li"))
    assert session.scalar(select(Case.owner_id).where(Case.description.like("%盗刷%"))) == owner
    again = run(app, "seed-demo")
    assert "0 demo users created" in again.output and "already present" in again.output
    assert "closed urgent demo case" in first.output and "closed urgent" not in again.output
    # The living complaints, the closed urgent case of the auditor's path and a closed general and advisory
    # case whose follow-up answered their tier's question (engine/reports/demo.py).
    assert "2 closed demo cases filed" in first.output and "closed demo cases" not in again.output
    assert session.scalar(select(func.count()).select_from(Case)) == 17
    closed = session.execute(select(Case.tier).where(Case.status == "completed")).scalars().all()
    assert sorted(closed) == ["advisory", "general", "urgent"]
    answers = session.execute(
        select(TaskAnswer.really_solved, TaskAnswer.other_needs, TaskAnswer.advice_worked).where(
            TaskAnswer.form == "survey.schema.json"
        )
    ).all()
    assert sorted(answers, key=str) == sorted(
        [(True, None, None), (None, False, None), (None, None, True)], key=str
    )


def _events(session, clock, count: int) -> None:
    from engine import audit
    from engine.store.db import begin_write

    begin_write(session)
    audit.append(session, [audit.PendingEvent(clock(), "t", "note", None, {"i": i}) for i in range(count)])
    session.commit()


def test_audit_verify_signs_the_head_and_then_reports_deleted_newest_events(app, session, clock):
    _events(session, clock, 6)
    first = run(app, "audit", "verify")
    assert first.exit_code == 0, first.output
    assert "audit chain intact: 6 events verified" in first.output
    assert "wrote checkpoint #1 signing event 6" in first.output

    session.execute(delete(AuditEvent).where(AuditEvent.seq > 4))
    session.commit()
    cut = run(app, "audit", "verify")
    assert cut.exit_code == 1
    assert "audit chain intact: 4 events verified" in cut.output  # the chain alone does not see it
    assert (
        "checkpoint problem: truncated: the log ends at event 4, but checkpoint #1 signed event 6"
        in cut.output
    )
    assert "wrote checkpoint" not in cut.output  # a broken log's head is never signed


def test_checkpoints_export_and_verify_against_the_exported_file(app, session, clock, tmp_path):
    _events(session, clock, 3)
    assert run(app, "audit", "checkpoints", "write").output.strip() == "wrote checkpoint #1 signing event 3"
    exported = tmp_path / "checkpoints.jsonl"
    result = run(app, "audit", "checkpoints", "export", "--output", str(exported))
    assert result.exit_code == 0 and "1 checkpoints written" in result.output
    assert exported.read_text().count("\n") == 1
    assert run(app, "audit", "verify", "--checkpoints", str(exported)).exit_code == 0

    session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    session.execute(delete(AuditCheckpoint))
    session.commit()
    result = run(app, "audit", "verify", "--checkpoints", str(exported))
    assert result.exit_code == 1
    assert "exported checkpoint #1 (event 3) is missing from the database (deleted)" in result.output
    assert "truncated: the log ends at event 2" in result.output


def test_audit_verify_refuses_a_file_that_is_not_an_export(app, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"n": 1}\n')
    result = run(app, "audit", "verify", "--checkpoints", str(bad))
    assert result.exit_code == 1
    assert "is not a checkpoint export: line 1: expected an object" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_report_monthly_writes_html_pdf_and_xlsx_and_refuses_a_bad_month(app, tmp_path):
    done = run(app, "report", "monthly", "--month", "2026-11", "--out", str(tmp_path))
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "monthly-review-2026-11.html",
        "monthly-review-2026-11.pdf",
        "monthly-review-2026-11.xlsx",
    ]
    refused = run(app, "report", "monthly", "--month", "November", "--out", str(tmp_path / "x"))
    assert refused.exit_code == 1 and "YYYY-MM" in refused.output
    assert not (tmp_path / "x").exists()


def test_report_rollup_builds_the_days_up_to_yesterday_and_refuses_an_unknown_figure(app, session, clock):
    from engine.cases.engine import CaseEngine
    from engine.models.figures import FigureBuilt
    from engine.reports import rollup
    from tests.conftest import fresh

    deploy = run(
        app, "deploy", str(DATA / "engine" / "review.bpmn"), str(DATA / "engine" / "review.schema.json")
    )
    assert deploy.exit_code == 0, deploy.output
    CaseEngine(session, clock).start_case("review", {"category": "fees", "amount": 1}, actor="t")
    session.commit()
    clock.advance(days=2)
    done = run(app, "report", "rollup")
    assert done.exit_code == 0, done.output
    assert f"figure-days of {len(rollup.rolled())} figures rebuilt" in done.output
    fresh(session)
    days = session.scalars(select(FigureBuilt.day).where(FigureBuilt.figure.like("volume_day:%"))).all()
    assert days == ["2026-03-02", "2026-03-03"]  # from the first case's day to yesterday, in Shanghai
    again = run(app, "report", "rollup", "--rebuild", "--figure", "volume_day")
    assert again.exit_code == 0 and "2 figure-days of 1 figures rebuilt" in again.output
    refused = run(app, "report", "rollup", "--figure", "volume")
    assert refused.exit_code == 1 and "no figure volume" in refused.output
    assert "Traceback" not in refused.output
