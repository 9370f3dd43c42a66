"""Application factory: configuration, extensions, blueprints, CLI. Nothing else."""

from __future__ import annotations

import os

from flask import Flask

from engine.db import Database
from web import cli, config, db
from web.api import bp as api_bp
from web.errors import register_error_handlers
from web.public import bp as public_bp
from web.scheduling import start_scheduler


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__, instance_relative_config=True, template_folder="web/templates", static_folder="web/static"
    )
    app.config.update(config.load(app.instance_path))
    app.config.update(overrides or {})
    os.makedirs(app.instance_path, exist_ok=True)  # the default SQLite file lives there

    app.extensions["database"] = Database.connect(app.config["DATABASE_URL"])
    app.teardown_appcontext(db.close_session)

    register_error_handlers(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    cli.register(app)

    if app.config["SCHEDULER_ENABLED"]:
        start_scheduler(app)
    return app
