"""The operator's commands, run as ``flask --app app COMMAND``: init-db, deploy, seed-demo, sla tick,
outbox send, idempotency purge, audit verify, audit checkpoints (write, export), cases incidents, cases retry,
cases backfill-visits, users create, tokens create, report monthly, report rollup.

Failures exit non-zero with a readable message, never a traceback.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

import processes
from engine import accounts
from engine.audit import checkpoints
from engine.calendar.settings import zone
from engine.cases import incidents
from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import DeploymentRejected, EngineError, NotFound
from engine.knowledge import base as knowledge
from engine.messaging import outbox
from engine.models import Role, TokenScope
from engine.reports import monthly, monthly_render, rollup
from engine.runtime import summaries
from engine.store import schema
from engine.store.housekeeping import purge_idempotency_keys
from engine.timers.sla import tick
from web.auditor import chain


def _database():
    return current_app.extensions["database"]


def _clock():
    return current_app.config["CLOCK"]


def friendly(fn):
    """Run inside the app context; turn domain and database errors into readable lines and exit status 1."""

    @with_appcontext
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DeploymentRejected as exc:
            click.echo("deployment rejected:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(1)
        except EngineError as exc:
            detail = "".join(f"\n  {k}: {v}" for k, v in getattr(exc, "errors", {}).items())
            raise click.ClickException(exc.message + detail) from None
        except (OperationalError, ProgrammingError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(
                f"database error: {reason} (is DATABASE_URL right, and has `flask --app app init-db` run?)"
            ) from None

    return wrapper


@click.command("init-db")
@friendly
def init_db():
    """Create or upgrade the database schema (Alembic migrations) and the standard departments."""
    database = _database()
    schema.upgrade(database.engine)
    with database.session() as session:
        accounts.ensure_departments(session)
        session.commit()
    click.echo(f"database ready at {database.engine.url.render_as_string(hide_password=True)}")


@click.command("deploy")
@click.argument("paths", nargs=-1)
@click.option("--actor", default="cli", show_default=True, help="Who is deploying, for the audit log.")
@click.option("--reason", default=None, help="Why, for the audit log (recorded with each new version).")
@friendly
def deploy(paths, actor, reason):
    """Validate and deploy BPMN/DMN/form files or folders as one bundle, and the knowledge base (a .toml file, or
    knowledge_base.toml in a folder). No PATH: the shipped processes and knowledge base."""
    paths = paths or (str(processes.FOLDER),)
    knowledge_files = knowledge.files_in(paths)
    files = deployment.read_paths([p for p in paths if Path(p) not in knowledge_files])
    if not files and not knowledge_files:
        raise click.ClickException("no .bpmn, .dmn, .json or .toml files found in " + ", ".join(paths))
    with _database().session() as session:
        if files:
            result = deployment.deploy(session, files, actor=actor, clock=_clock(), reason=reason)
            for version in result.deployed:
                click.echo(f"deployed {version.label} ({version.sha256[:12]})")
            for version in result.unchanged:
                click.echo(f"unchanged {version.label}")
            for warning in result.warnings:
                click.echo(f"warning: {warning}", err=True)
        for path in knowledge_files:
            done = knowledge.deploy_file(session, path, actor=actor, clock=_clock(), reason=reason or "")
            what = "deployed" if done.created else "unchanged"
            click.echo(f"{what} knowledge base v{done.version.version} ({done.version.entry_count} entries)")


@click.command("seed-demo")
@friendly
def seed_demo():
    """Load demo users for every role (idempotent); prints their sign-in."""
    from engine.cases.demo import seed, seed_complaints, seed_standard_cases

    with _database().session() as session:
        created = seed(session, _clock())
        for username, password in created:
            click.echo(f"demo user {username} / {password}")
        click.echo(f"{len(created)} demo users created")
        try:
            filed = seed_complaints(session, _clock())
            filed += seed_standard_cases(session, _clock())
        except NotFound:
            click.echo("no complaint process deployed: demo complaints skipped (deploy processes/ first)")
        else:
            click.echo(f"{filed} demo complaints filed" if filed else "demo complaints already present")
            from engine.reports.demo import seed_closed_case, seed_closed_surveys

            closed = seed_closed_case(session, _clock())
            if closed is not None:
                click.echo(
                    f"closed urgent demo case {closed.reference} filed (the auditor's path on the diagram)"
                )
            surveyed = seed_closed_surveys(session, _clock())
            if surveyed:
                click.echo(
                    f"{len(surveyed)} closed demo cases filed (a general and an advisory follow-up survey)"
                )

        from engine.evidence.demo import seed_evidence
        from engine.evidence.store import store_from_settings

        attached = seed_evidence(session, _clock(), store_from_settings(current_app.config))
        if attached:
            click.echo(f"{attached} demo files attached")


@click.group("sla")
def sla():
    """SLA clock commands."""


@sla.command("tick")
@click.option("--limit", default=10_000, show_default=True, type=click.IntRange(1))
@friendly
def sla_tick(limit):
    """Run one SLA sweep now: fire every due timer."""
    click.echo(str(tick(_database().session, _clock(), current_app.config, limit=limit)))


@click.group("outbox")
def outbox_group():
    """Notification outbox commands."""


@outbox_group.command("send")
@click.option("--limit", default=10_000, show_default=True, type=click.IntRange(1))
@friendly
def outbox_send(limit):
    """Send every due message in the outbox now (what the scheduler does every OUTBOX_SECONDS)."""
    result = outbox.dispatch(_database().session, _clock(), current_app.config["NOTIFIER"], limit=limit)
    click.echo(str(result))


@click.group("idempotency")
def idempotency_group():
    """Stored answers to Idempotency-Key requests."""


@idempotency_group.command("purge")
@friendly
def idempotency_purge():
    """Delete stored answers older than IDEMPOTENCY_KEEP_HOURS (what the scheduler does every hour)."""
    deleted = purge_idempotency_keys(_database().session, _clock(), current_app.config)
    click.echo(f"{deleted} stored answers deleted")


@click.group("audit")
def audit_group():
    """Audit log commands."""


@audit_group.command("verify")
@click.option(
    "--checkpoints",
    "exported",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Also compare with checkpoints exported earlier (JSON lines, e.g. from write-once storage).",
)
@friendly
def audit_verify(exported):
    """Check the whole hash chain and the signed checkpoints of its head; names the first broken link, and
    reports truncation (signed events gone) and re-hashing (a signed event's hash changed). When all is well,
    signs the head: the next verification starts from here."""
    copies = None
    if exported is not None:
        try:
            copies = checkpoints.read_export(exported)
        except ValueError as exc:
            raise click.ClickException(f"{exported.name} is not a checkpoint export: {exc}") from None
    with _database().session() as session:
        report = chain.verify_anchored(session, _clock(), _checkpoint_config(), copies)
    click.echo(str(report))
    if not report.ok:
        sys.exit(1)


@click.group("cases")
def cases_group():
    """Cases in incident: list them, retry one; rebuild the heatmap's summaries."""


@cases_group.command("incidents")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1))
@friendly
def cases_incidents(limit):
    """List the open incidents, oldest first."""
    with _database().session() as session:
        found = incidents.open_incidents(session, limit)
    if not found:
        click.echo("no open incidents")
        return
    for item in found:
        held = f", {item.held_timers} timer(s) held" if item.held_timers else ""
        first_line = (item.message.splitlines() or [""])[0][:200]
        click.echo(
            f"{item.reference}  since {item.since:%Y-%m-%d %H:%M} UTC  {item.task}  "
            f"(attempt {item.attempts}{held}): {first_line}"
        )
    click.echo(f"{len(found)} open incident(s); retry one with: flask --app app cases retry REFERENCE")


@cases_group.command("backfill-visits")
@click.option("--batch", default=2000, show_default=True, type=click.IntRange(1), help="cases read at a time")
@friendly
def cases_backfill_visits(batch):
    """Rebuild the heatmap's summary tables from the path rows (after an upgrade; running it again is harmless).

    Steps that run meanwhile wait for it; run it before starting the workers on a large database."""
    began = time.perf_counter()
    with _database().session() as session:
        done = summaries.backfill(session, zone(current_app.config.get("TIMEZONE") or "Asia/Shanghai"), batch)
        session.commit()
    click.echo(
        f"{done.cases} case(s), {done.visit_rows} path row(s), {done.work_items} ended task(s) read: "
        f"{done.visit_summaries} visit summary row(s), {done.task_time_summaries} task time row(s) "
        f"in {time.perf_counter() - began:.1f} s"
    )


@cases_group.command("retry")
@click.argument("reference")
@click.option("--actor", default="operator", show_default=True, help="who retries, for the audit trail")
@friendly
def cases_retry(reference, actor):
    """Run the failed tasks of a case in incident again (and its held timers)."""
    with _database().session() as session:
        engine = CaseEngine(session, _clock(), settings=current_app.config)
        case = engine.retry(incidents.case_id_by_reference(session, reference), actor=f"cli:{actor}")
        still = [i for i in incidents.open_incidents(session) if i.reference == case.reference]
    if still:
        click.echo(
            f"{case.reference} is still in incident: {still[0].task}: {still[0].message[:300]}", err=True
        )
        sys.exit(1)
    click.echo(f"{case.reference} retried: now {case.status}")


@audit_group.group("checkpoints")
def checkpoints_group():
    """Signed checkpoints of the audit chain's head."""


@checkpoints_group.command("write")
@friendly
def checkpoints_write():
    """Sign the chain's head now (the scheduler does it every AUDIT_CHECKPOINT_MINUTES)."""
    with _database().session() as session:
        written = chain.sign_head(session, _clock(), _checkpoint_config())
    click.echo(
        f"wrote checkpoint #{written.n} signing event {written.seq}" if written else "the log is empty"
    )


@checkpoints_group.command("export")
@click.option(
    "--after", default=0, show_default=True, type=click.IntRange(0), help="Only checkpoints after #N."
)
@click.option("--output", "-o", type=click.File("a", encoding="utf-8"), default="-", help="Append to FILE.")
@friendly
def checkpoints_export(after, output):
    """Write the checkpoints as JSON lines (one per checkpoint), for write-once storage outside the database."""
    count = 0
    with _database().session() as session:
        for line in checkpoints.export(session, after):
            output.write(line + "\n")
            count += 1
    if output.name != "<stdout>":
        click.echo(f"{count} checkpoints written to {output.name}")


def _checkpoint_config() -> dict:
    try:
        checkpoints.Keys.from_settings(current_app.config)
    except checkpoints.CheckpointKeyMissing as exc:
        raise click.ClickException(str(exc)) from None
    return current_app.config


@click.group("users")
def users():
    """User accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", "departments", multiple=True, help="A department (lane); repeatable.")
@click.option("--password", default=None, help="Sign-in password; without it the user can only use tokens.")
@click.option("--name", "display_name", default="", help="Display name.")
@friendly
def users_create(username, role, departments, password, display_name):
    """Create a user with a role and departments."""
    with _database().session() as session:
        user = accounts.create_user(
            session,
            _clock(),
            username=username,
            role=role,
            departments=list(departments),
            password=password,
            display_name=display_name,
            actor="cli",
        )
        click.echo(
            f"created {user.username} ({user.role}; {', '.join(sorted(user.lanes)) or 'no department'})"
        )


@click.group("tokens")
def tokens():
    """API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option(
    "--scope",
    type=click.Choice([s.value for s in TokenScope]),
    default=TokenScope.FULL.value,
    show_default=True,
    help="full: what the user's role allows; read: no changes; metrics: only /metrics (monitoring).",
)
@friendly
def tokens_create(username, scope):
    """Issue an API token; it is printed alone on the last line and never shown again."""
    with _database().session() as session:
        token = accounts.create_token(session, _clock(), username, actor="cli", scope=scope)
    click.echo(f"{scope} token for {username} (store it now; it cannot be shown again):")
    click.echo(token)


@click.group("report")
def report_group():
    """Reports: the monthly complaint review, the figures' daily roll-up."""


@report_group.command("monthly")
@click.option("--month", required=True, help="YYYY-MM, e.g. 2026-11: the complaints received in that month")
@click.option("--out", "folder", type=click.Path(file_okay=False), help="folder to write into (REPORTS_DIR)")
@friendly
def report_monthly(month, folder):
    """Write the monthly review of MONTH as HTML, PDF and .xlsx."""
    year, number = monthly.parse_month(month)
    with _database().session() as session:
        review = monthly.build(session, year, number, _clock()(), current_app.config["TIMEZONE"])
    for path in monthly_render.write(review, Path(folder or current_app.config["REPORTS_DIR"])):
        click.echo(str(path))


@report_group.command("rollup")
@click.option("--rebuild", is_flag=True, help="forget what is built and rebuild every day")
@click.option("--figure", "figures", multiple=True, help="only this figure (by key; repeat for more)")
@friendly
def report_rollup(rebuild, figures):
    """Bring the figures' daily roll-up up to date: the days changed since the last run and the days not built
    yet, up to yesterday."""
    done = rollup.refresh(
        _database().session,
        _clock()(),
        current_app.config["TIMEZONE"],
        figures=figures or None,
        rebuild=rebuild,
        progress=click.echo,
    )
    click.echo(str(done))


def register(app: Flask) -> None:
    for command in (
        init_db,
        deploy,
        seed_demo,
        sla,
        outbox_group,
        idempotency_group,
        audit_group,
        cases_group,
        users,
        tokens,
        report_group,
    ):
        app.cli.add_command(command)
