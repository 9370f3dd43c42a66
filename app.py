"""Application factory: configuration, extensions, blueprints, CLI. Nothing else."""

from __future__ import annotations

import os

from flask import Flask

from engine.scripting import multi_instance
from engine.store.db import Database
from web import (
    admin,
    agent,
    auditor,
    cli,
    config,
    db,
    evidence,
    i18n,
    ops,
    owner,
    pages,
    ratelimit,
    reports,
    security,
    supervisor,
)
from web.api import bp as api_bp
from web.errors import register_error_handlers
from web.public import bp as public_bp
from web.scheduling import start_scheduler
from web.signin import bp as signin_bp


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__, instance_relative_config=True, template_folder="web/templates", static_folder="web/static"
    )
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    multi_instance.configure(app.config)  # process-wide: every engine step of this process uses it
    app.config["SECRET_KEY"] = config.secret_key(app.config, app.debug)
    os.makedirs(app.instance_path, exist_ok=True)  # the default SQLite file lives there

    app.extensions["database"] = Database.connect(app.config["DATABASE_URL"])
    app.teardown_appcontext(db.close_session)

    security.init_app(app)
    evidence.init_app(app)  # upload limits, ahead of the CSRF check that reads the form
    ratelimit.init_app(app)
    i18n.init_app(app)
    pages.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(signin_bp)
    app.register_blueprint(ops.bp)
    for audience in (agent, supervisor, auditor, admin, owner, reports):
        app.register_blueprint(audience.bp)
    app.register_blueprint(api_bp)
    security.csrf.exempt(api_bp)  # tokens, or the session plus X-Requested-With (web/api/__init__.py)
    cli.register(app)

    if app.config["SCHEDULER_ENABLED"]:
        start_scheduler(app)
    return app
