"""The operator's commands, run as ``flask --app app COMMAND``: init-db, deploy, seed-demo, sla tick,
outbox send, idempotency purge, audit verify, users create, tokens create.

Failures exit non-zero with a readable message, never a traceback.
"""

from __future__ import annotations

import functools
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError, ProgrammingError

import processes
from engine import accounts, audit
from engine.deploy import deployment
from engine.errors import DeploymentRejected, EngineError, NotFound
from engine.messaging import outbox
from engine.models import Role
from engine.store import schema
from engine.store.housekeeping import purge_idempotency_keys
from engine.timers.sla import tick


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
@friendly
def deploy(paths, actor):
    """Validate and deploy BPMN/DMN/form files or folders as one bundle (no PATH: the shipped processes)."""
    paths = paths or (str(processes.FOLDER),)
    files = deployment.read_paths(list(paths))
    if not files:
        raise click.ClickException("no .bpmn, .dmn or .json files found in " + ", ".join(paths))
    with _database().session() as session:
        result = deployment.deploy(session, files, actor=actor, clock=_clock())
    for version in result.deployed:
        click.echo(f"deployed {version.label} ({version.sha256[:12]})")
    for version in result.unchanged:
        click.echo(f"unchanged {version.label}")


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
@friendly
def audit_verify():
    """Check the whole hash chain; names the first broken link."""
    with _database().session() as session:
        result = audit.verify(session)
    click.echo(str(result))
    if not result.ok:
        sys.exit(1)


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
@friendly
def tokens_create(username):
    """Issue an API token; it is printed alone on the last line and never shown again."""
    with _database().session() as session:
        token = accounts.create_token(session, _clock(), username, actor="cli")
    click.echo(f"token for {username} (store it now; it cannot be shown again):")
    click.echo(token)


def register(app: Flask) -> None:
    for command in (
        init_db,
        deploy,
        seed_demo,
        sla,
        outbox_group,
        idempotency_group,
        audit_group,
        users,
        tokens,
    ):
        app.cli.add_command(command)
